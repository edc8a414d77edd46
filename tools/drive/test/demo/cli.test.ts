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

  it('answers --help and -h with the help', () => {
    // GIVEN a request for help, even among other flags
    // WHEN parsed
    // THEN it is help
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['--orders', '5', '-h'])).toEqual({ kind: 'help' });
  });

  it('fails on an unknown flag, naming it', () => {
    // GIVEN a misspelt flag
    // WHEN parsed
    const parsed = parseCli(['--oders', '5']);
    // THEN it is a usage error that names the flag
    expect(parsed).toEqual({ kind: 'usage-error', message: expect.stringContaining('--oders') });
  });

  it('fails on a positional argument and on a flag without its value', () => {
    // GIVEN a stray word, and --orders at the end without a value
    // WHEN parsed
    // THEN both are usage errors
    expect(parseCli(['local']).kind).toBe('usage-error');
    expect(parseCli(['--orders']).kind).toBe('usage-error');
  });

  it('fails on values out of range', () => {
    // GIVEN bad values for each numeric flag and an unknown stage
    const bad = [
      ['--orders', '0'],
      ['--orders', '5001'],
      ['--orders', 'ten'],
      ['--orders', '2.5'],
      ['--port', '70000'],
      ['--timeout', '0'],
      ['--concurrency', '0'],
      ['--stage', 'staging'],
    ];
    // WHEN parsed
    // THEN each is a usage error that says what is accepted
    for (const argv of bad) {
      expect(parseCli(argv)).toEqual({ kind: 'usage-error', message: expect.stringMatching(/must be/) });
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
