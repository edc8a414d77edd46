/**
 * Runs `assert` (one or more `expect(...)` calls) and puts `message` in front of its failure: jest's
 * `expect` takes no message, and some values alone do not say what failed or what to do about it.
 */
export function withMessage(message: string, assert: () => void): void {
  try {
    assert();
  } catch (error) {
    if (error instanceof Error) error.message = `${message}\n\n${error.message}`;
    throw error;
  }
}
