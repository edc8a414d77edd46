import { describe, expect, it, jest } from '@jest/globals';
import * as classic from 'zod';
import * as z from '../../../lambda/shared/zod';

// The functions validate with zod/mini (lambda/shared/zod.ts); lib/, the docs generators and older
// callers knew the classic API. Both must report the same issues with the same English messages.

const cases: [string, z.core.$ZodType, classic.ZodType, unknown][] = [
  ['a string too short', z.string().check(z.minLength(3)), classic.string().min(3), 'ab'],
  ['a wrong type', z.string(), classic.string(), 42],
  ['a bad uuid', z.uuid(), classic.uuid(), 'not-a-uuid'],
  ['a fraction where an integer goes', z.int(), classic.number().int(), 1.5],
  ['a number too big', z.int().check(z.maximum(10)), classic.number().int().max(10), 11],
  [
    'an unknown key',
    z.strictObject({ a: z.string() }),
    classic.object({ a: classic.string() }).strict(),
    { a: 'x', b: 1 },
  ],
  ['an enum miss', z.enum(['A', 'B']), classic.enum(['A', 'B']), 'C'],
];

describe('zod/mini as the functions use it', () => {
  it.each(cases)('fails for %s with the issues and messages of classic zod', (_, mini, full, input) => {
    const fromMini = z.safeParse(mini, input);
    const fromClassic = full.safeParse(input);

    expect(fromMini.success).toBe(false);
    const strip = (issues: readonly z.core.$ZodIssue[]) =>
      issues.map(({ code, path, message }) => ({ code, path, message }));
    expect(strip(fromMini.error?.issues ?? [])).toEqual(strip(fromClassic.error?.issues ?? []));
    expect(fromMini.error?.issues[0]?.message).not.toBe('Invalid input');
  });

  it('registers the English locale itself, which zod/mini alone does not', () => {
    // zod keeps its configuration on globalThis, shared by every copy of the module
    const config = (globalThis as { __zod_globalConfig?: { localeError?: unknown } }).__zod_globalConfig;
    const registered = config?.localeError;
    const tooShort = () => z.safeParse(z.string().check(z.minLength(3)), 'ab').error?.issues[0]?.message;
    try {
      // GIVEN no locale, as in a bundle that imports zod/mini alone
      if (config) config.localeError = undefined;
      expect(tooShort()).toBe('Invalid input');
      // WHEN the module the functions import is loaded THEN messages read in English
      jest.isolateModules(() => require('../../../lambda/shared/zod'));
      expect(tooShort()).toBe('Too small: expected string to have >=3 characters');
    } finally {
      if (config) config.localeError = registered;
    }
  });
});
