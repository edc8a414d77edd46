import { describe, expect, it } from '@jest/globals';
import { withMessage } from './with-message';

describe('withMessage', () => {
  it('passes when the assertion passes', () => {
    expect(() => withMessage('unused', () => expect(1).toBe(1))).not.toThrow();
  });

  it('fails with the message in front of the assertion’s own', () => {
    expect(() => withMessage('docs are stale: regenerate them', () => expect(1).toBe(2))).toThrow(
      /^docs are stale: regenerate them\n\n[\s\S]*Expected: 2/,
    );
  });
});
