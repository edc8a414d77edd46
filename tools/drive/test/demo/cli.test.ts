import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ORDERS, parseCli } from '../../src/demo/cli';

describe('parseCli', () => {
  it('runs the default demo without arguments', () => {
    // GIVEN no arguments
    // WHEN parsed
    // THEN 20 orders on the local stage, synthesized, stopped at the end
    expect(parseCli([])).toEqual({
      kind: 'run',
      options: {
        orders: DEFAULT_ORDERS,
        stage: 'local',
        keep: false,
        port: undefined,
        replace: false,
        synth: true,
        timeoutSeconds: undefined,
        concurrency: undefined,
        logs: false,
        verbose: false,
      },
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    // GIVEN every flag
    const argv = [
      '--orders',
      '200',
      '--stage=dev',
      '--keep',
      '--port',
      '5000',
      '--replace',
      '--no-synth',
      '--timeout=600',
      '--concurrency',
      '3',
      '--logs',
      '--verbose',
    ];
    // WHEN parsed
    // THEN each is in the options
    expect(parseCli(argv)).toEqual({
      kind: 'run',
      options: {
        orders: 200,
        stage: 'dev',
        keep: true,
        port: 5000,
        replace: true,
        synth: false,
        timeoutSeconds: 600,
        concurrency: 3,
        logs: true,
        verbose: true,
      },
    });
  });

  it('answers --help and -h with the help, which documents every flag and the exit codes', () => {
    // GIVEN a request for help, even among other flags
    // WHEN parsed
    const help = parseCli(['--help']);
    // THEN it is help, naming each flag and the exit codes
    expect(help.kind).toBe('help');
    const text = help.kind === 'help' ? help.text : '';
    for (const flag of [
      '--orders <N>',
      '--stage <NAME>',
      '--keep',
      '--port <N>',
      '--api-port <N>',
      '--replace',
      '--no-synth',
      '--concurrency <N>',
      '--timeout <SECONDS>',
      '--logs',
      '--verbose',
      '--token <SUBJECT>',
      '-h, --help',
    ]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('Exit codes: 0');
    expect(parseCli(['--orders', '5', '-h'])).toEqual(help);
  });

  it('reads --api-port and --token', () => {
    // GIVEN the API port, and apart from it a token subject
    // WHEN parsed
    // THEN the port is in the options; the token is its own command
    expect(parseCli(['--api-port', '8080'])).toMatchObject({ kind: 'run', options: { apiPort: 8080 } });
    expect(parseCli(['--token', 'alice'])).toEqual({ kind: 'token', subject: 'alice' });
  });

  it('fails on a token subject with spaces', () => {
    // GIVEN a subject with a space
    // WHEN parsed
    // THEN it is a usage error saying what a subject is
    expect(parseCli(['--token', 'a b'])).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining('1-255 printable characters'),
    });
  });

  it('fails on an unknown flag, naming it', () => {
    // GIVEN a misspelt flag
    // WHEN parsed
    const parsed = parseCli(['--oders', '5']);
    // THEN it is a one-line usage error that names the flag and suggests the right one
    expect(parsed).toEqual({
      kind: 'usage-error',
      message: "unknown option '--oders' (Did you mean --orders?)",
    });
  });

  it('fails on a positional argument and on a flag without its value', () => {
    // GIVEN a stray word, and --orders at the end without a value
    // WHEN parsed
    // THEN both are usage errors
    expect(parseCli(['local'])).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining('arguments'),
    });
    expect(parseCli(['--orders'])).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining('--orders'),
    });
  });

  it('fails on values out of range', () => {
    // GIVEN bad values for each numeric flag and an unknown stage
    const bad = [
      ['--orders', '0'],
      ['--orders', '5001'],
      ['--orders', 'ten'],
      ['--orders', '2.5'],
      ['--port', '70000'],
      ['--api-port', '0'],
      ['--timeout', '0'],
      ['--timeout', '86401'],
      ['--concurrency', '0'],
      ['--stage', 'staging'],
    ];
    // WHEN parsed
    // THEN each is a usage error that names the flag and says what is accepted
    for (const argv of bad) {
      expect(parseCli(argv)).toEqual({
        kind: 'usage-error',
        message: expect.stringMatching(
          new RegExp(`option '${argv[0]} <[A-Z]+>' argument '${argv[1]}' is invalid\\. (Expected|Allowed)`),
        ),
      });
    }
  });

  it('fails on --port when AWS_ENDPOINT_URL attaches to a running emulator', () => {
    // GIVEN an endpoint to attach to
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
    // WHEN --port is given too
    // THEN it is a usage error naming both
    expect(parseCli(['--port', '5000'], env)).toEqual({
      kind: 'usage-error',
      message: expect.stringContaining('AWS_ENDPOINT_URL=http://127.0.0.1:4566'),
    });
  });
});
