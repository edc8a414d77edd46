import { describe, expect, it } from '@jest/globals';
import { InvalidTimeError } from '../src/errors';
import { parseTime, parseWindow } from '../src/time';

const NOW = new Date('2026-11-26T12:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['now', '2026-11-26T12:00:00.000Z'],
    ['-30s', '2026-11-26T11:59:30.000Z'],
    ['-15m', '2026-11-26T11:45:00.000Z'],
    ['-2h', '2026-11-26T10:00:00.000Z'],
    ['-1d', '2026-11-25T12:00:00.000Z'],
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T11:00+01:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00:00.250Z', '2026-11-26T10:00:00.250Z'],
  ])('GIVEN %s WHEN parsed THEN it is %s', (text, iso) => {
    expect(parseTime(text, '--from', NOW).toISOString()).toBe(iso);
  });

  it('fails on a date-time without a time zone, suggesting the UTC form', () => {
    expect(() => parseTime('2026-11-26T10:00', '--from', NOW)).toThrow(
      /--from "2026-11-26T10:00" has no time zone.*2026-11-26T10:00Z/,
    );
  });

  it('fails on a date without a time zone', () => {
    expect(() => parseTime('2026-11-26', '--to', NOW)).toThrow(/has no time zone.*2026-11-26T00:00:00Z/);
  });

  it.each(['yesterday', '15m', '-2w', '2026-13-45T10:00:00Z', ''])(
    'fails on "%s", listing the formats',
    (text) => {
      expect(() => parseTime(text, '--from', NOW)).toThrow(InvalidTimeError);
      expect(() => parseTime(text, '--from', NOW)).toThrow(/is not a time\. Use now, -30m/);
    },
  );
});

describe('parseWindow', () => {
  it('GIVEN a relative start and now WHEN parsed THEN the window spans them', () => {
    const w = parseWindow('-1h', 'now', NOW);
    expect([w.from.toISOString(), w.to.toISOString()]).toEqual([
      '2026-11-26T11:00:00.000Z',
      '2026-11-26T12:00:00.000Z',
    ]);
  });

  it('fails when --from is not before --to', () => {
    expect(() => parseWindow('now', '-1h', NOW)).toThrow(
      /--from \(2026-11-26T12:00:00.000Z\) must be before --to/,
    );
  });

  it('fails when --to is in the future', () => {
    expect(() => parseWindow('-1h', '2026-11-26T13:00:00Z', NOW)).toThrow(/is in the future/);
  });
});
