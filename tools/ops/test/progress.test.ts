import { describe, expect, it } from '@jest/globals';
import { createProgress } from '../src/progress';
import { capture } from './support/fake-aws';

describe('createProgress', () => {
  it('GIVEN a pipe WHEN work progresses THEN nothing is drawn', () => {
    const stream = capture(false);
    const p = createProgress(stream);
    p.start(10, 'redrive x');
    p.update(5);
    p.stop();
    expect(stream.text()).toBe('');
  });

  it('GIVEN a terminal WHEN work progresses past the estimate THEN a bar shows the label and the grown total', () => {
    const stream = Object.assign(capture(true), {
      columns: 120,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => {},
      removeListener: () => {},
    });
    const p = createProgress(stream);
    p.start(2, 'redrive reserve-stock-dlq');
    p.update(3);
    p.stop();
    expect(stream.text()).toContain('redrive reserve-stock-dlq');
    expect(stream.text()).toContain('3/3');
  });
});
