import { describe, expect, it } from '@jest/globals';
import { replaceBlock } from '../../src/bench/report';

describe('replaceBlock', () => {
  it('GIVEN a document with the markers THEN only what is between them is replaced', () => {
    const doc = 'intro\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\noutro\n';

    expect(replaceBlock(doc, 'bench', 'new figures')).toBe(
      'intro\n<!-- bench:begin -->\nnew figures\n<!-- bench:end -->\noutro\n',
    );
  });

  it('fails when the markers are missing, naming them', () => {
    expect(() => replaceBlock('no markers', 'measured', 'x')).toThrow(/<!-- measured:begin -->/);
  });
});
