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
    [['--orders', '0'], /--orders must be a whole number/],
    [['--orders', '100001'], /--orders must be a whole number/],
    [['--fault-rate', '0.6'], /--fault-rate must be a number from 0 to 0.5/],
    [['--poison-rate', 'lots'], /--poison-rate must be/],
    [['--out', 'result.csv'], /--out must name a .json file/],
    [['--oders', '5'], /Unknown option '--oders'/],
    [['--stage', 'nope'], /--stage must be one of dev, local, /],
    [['--light', '1001'], /--light must be a whole number of orders from 0 to 1000/],
    [['--light', '5', '--no-light'], /--no-light skips the light-load run/],
    [['--light-every', '0'], /--light-every must be a whole number of seconds from 1 to 60/],
  ])('fails for %j with a message naming the flag', (argv, message) => {
    const parsed = parseBenchCli(argv);

    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toMatch(message);
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

  it('fails for --burst with --backlog', () => {
    expect(parseBenchCli(['--burst', '--backlog', '200'])).toMatchObject({ kind: 'usage-error' });
  });

  it('GIVEN --stage test THEN that stage', () => {
    expect(parseBenchCli(['--stage', 'test'])).toMatchObject({ kind: 'run', options: { stage: 'test' } });
  });

  it('GIVEN --help THEN help', () => {
    expect(parseBenchCli(['--help'])).toEqual({ kind: 'help' });
  });
});
