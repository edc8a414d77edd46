import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ORDERS, parseBenchCli } from '../../src/bench/cli';

describe('parseBenchCli', () => {
  it('GIVEN no flags THEN the defaults: 1,000 orders, floor and scaling on, no faults', () => {
    expect(parseBenchCli([])).toEqual({
      kind: 'run',
      options: {
        orders: DEFAULT_ORDERS,
        out: undefined,
        faultRate: 0,
        poisonRate: 0,
        backlog: 1_000,
        lightOrders: 20,
        lightIntervalMs: 1_000,
        floor: true,
        scaling: true,
        concurrency: undefined,
        port: undefined,
        stage: 'local',
        updateDocs: false,
      },
    });
  });

  it('GIVEN the fault run of the reliability check THEN every value is parsed', () => {
    const parsed = parseBenchCli([
      '--orders',
      '10000',
      '--fault-rate',
      '0.05',
      '--poison-rate',
      '0.01',
      '--out',
      'x.json',
    ]);

    expect(parsed).toMatchObject({
      kind: 'run',
      options: { orders: 10_000, faultRate: 0.05, poisonRate: 0.01, out: 'x.json' },
    });
  });

  it.each([
    [
      ['--orders', '0'],
      /option '--orders <N>' argument '0' is invalid\. Expected a whole number from 1 to 100000/,
    ],
    [['--orders', '100001'], /'--orders <N>' argument '100001' is invalid/],
    [['--orders', '1e3'], /'--orders <N>' argument '1e3' is invalid/],
    [
      ['--fault-rate', '0.6'],
      /'--fault-rate <P>' argument '0.6' is invalid\. Expected a number from 0 to 0.5/,
    ],
    [['--poison-rate', 'lots'], /'--poison-rate <Q>' argument 'lots' is invalid/],
    [
      ['--out', 'result.csv'],
      /'--out <FILE.json>' argument 'result.csv' is invalid\. Expected a \.json file/,
    ],
    [['--oders', '5'], /unknown option '--oders' \(Did you mean --orders\?\)/],
    [['--stage', 'nope'], /'--stage <NAME>' argument 'nope' is invalid\. Allowed choices are dev, local, /],
    [
      ['--light', '1001'],
      /'--light <N>' argument '1001' is invalid\. Expected a whole number of orders from 0 to 1000/,
    ],
    [['--light', '5', '--no-light'], /'--no-light' skips the light-load run/],
    [['--no-light', '--light', '5'], /'--no-light' skips the light-load run/],
    [['--light-every', '0'], /Expected a whole number of seconds from 1 to 60/],
    [['--burst', '--backlog', '200'], /option '--burst' cannot be used with option '--backlog <N>'/],
    [['--orders'], /option '--orders <N>' argument missing/],
    [['1000'], /too many arguments/],
  ])('fails for %j with one line naming the flag', (argv, message) => {
    const parsed = parseBenchCli(argv);

    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toMatch(message);
    expect(parsed.kind === 'usage-error' && parsed.message).not.toContain('\n');
  });

  it('GIVEN --light or --no-light THEN the light-load run has that many orders, or none', () => {
    expect(parseBenchCli(['--light', '5'])).toMatchObject({ kind: 'run', options: { lightOrders: 5 } });
    expect(parseBenchCli(['--no-light'])).toMatchObject({ kind: 'run', options: { lightOrders: 0 } });
    expect(parseBenchCli(['--light', '0'])).toMatchObject({ kind: 'run', options: { lightOrders: 0 } });
    expect(parseBenchCli(['--light-every', '5'])).toMatchObject({
      kind: 'run',
      options: { lightIntervalMs: 5_000 },
    });
  });

  it('GIVEN --burst THEN no backlog: every order at once', () => {
    expect(parseBenchCli(['--burst'])).toMatchObject({ kind: 'run', options: { backlog: undefined } });
    expect(parseBenchCli(['--backlog', '200'])).toMatchObject({ kind: 'run', options: { backlog: 200 } });
  });

  it('GIVEN --stage test THEN that stage', () => {
    expect(parseBenchCli(['--stage', 'test'])).toMatchObject({ kind: 'run', options: { stage: 'test' } });
  });

  it('GIVEN the flags of npm run bench:smoke THEN the smoke run', () => {
    expect(
      parseBenchCli([
        '--orders',
        '20',
        '--fault-rate',
        '0.1',
        '--no-scaling',
        '--light',
        '5',
        '--stage',
        'test',
        '--out',
        '.local/bench/smoke.json',
      ]),
    ).toMatchObject({
      kind: 'run',
      options: {
        orders: 20,
        faultRate: 0.1,
        scaling: false,
        floor: true,
        lightOrders: 5,
        stage: 'test',
        out: '.local/bench/smoke.json',
      },
    });
  });

  it('GIVEN --no-floor, --no-scaling, --update-docs, --concurrency and --port THEN each is set', () => {
    expect(
      parseBenchCli(['--no-floor', '--no-scaling', '--update-docs', '--concurrency', '4', '--port', '5001']),
    ).toMatchObject({
      kind: 'run',
      options: { floor: false, scaling: false, updateDocs: true, concurrency: 4, port: 5001 },
    });
  });

  it('GIVEN --help or -h THEN the help text, naming every flag', () => {
    for (const flag of ['--help', '-h']) {
      const parsed = parseBenchCli([flag]);

      expect(parsed.kind).toBe('help');
      const text = parsed.kind === 'help' ? parsed.text : '';
      for (const name of [
        '--orders',
        '--light-every',
        '--no-scaling',
        '--update-docs',
        '--burst',
        'Exit codes',
      ]) {
        expect(text).toContain(name);
      }
    }
  });
});
