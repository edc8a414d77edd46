import { describe, expect, it } from '@jest/globals';
import { isStageName, STAGE_NAMES } from '../../lib/config';
import { ARCHIVE_NAME_MAX_LENGTH, archiveNameProblem, resourceNames, stackNames } from '../../lib/names';

describe('archiveNameProblem', () => {
  it('accepts the names EventBridge accepts', () => {
    expect(archiveNameProblem('OrderPipeline-pr-42')).toBeUndefined();
    expect(archiveNameProblem('a.b_c-1')).toBeUndefined();
    expect(archiveNameProblem('x'.repeat(ARCHIVE_NAME_MAX_LENGTH))).toBeUndefined();
  });

  it('fails for a name over 48 characters, saying how long it is', () => {
    expect(archiveNameProblem('x'.repeat(49))).toMatch(/has 49 characters; EventBridge allows 1 to 48/);
  });

  it('fails for an empty name and for characters EventBridge refuses', () => {
    expect(archiveNameProblem('')).toMatch(/1 to 48/);
    expect(archiveNameProblem('Order/Pipeline')).toMatch(/only letters, digits/);
    expect(archiveNameProblem('Order Pipeline')).toMatch(/only letters, digits/);
  });
});

describe('resourceNames', () => {
  it('GIVEN the longest stage name lib/config.ts accepts WHEN named THEN its archive name is valid', () => {
    const longest = `pr-${'9'.repeat(13)}`;
    expect(isStageName(longest)).toBe(true);
    expect(archiveNameProblem(resourceNames(longest).archive)).toBeUndefined();
  });

  it('GIVEN two stages WHEN named THEN no stack or named resource of one has the name of the other', () => {
    const stages = [...STAGE_NAMES, 'pr-1', 'pr-12'];
    const all = stages.flatMap((stage) => {
      const { eventBus, archive, dashboard } = resourceNames(stage);
      const { data, pipeline } = stackNames(stage);
      return [
        `bus ${eventBus}`,
        `archive ${archive}`,
        `dashboard ${dashboard}`,
        `stack ${data}`,
        `stack ${pipeline}`,
      ];
    });
    expect(new Set(all).size).toBe(all.length);
  });
});
