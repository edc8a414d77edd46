import { describe, expect, it } from '@jest/globals';
import { ConfigError, isStageName, loadStageConfig, PULL_REQUEST_STAGE, STAGE_NAMES } from '../../lib/config';
import { withMessage } from '../support/with-message';

describe('pull request stages (pr-<number>)', () => {
  it('GIVEN pr-42 WHEN loaded THEN it has the settings of dev under its own name', () => {
    const { stage, ...settings } = loadStageConfig('pr-42');
    const { stage: _dev, ...devSettings } = loadStageConfig('dev');
    expect(stage).toBe('pr-42');
    expect(settings).toEqual(devSettings);
    expect(settings.isProduction).toBe(false);
  });

  it('accepts the declared stages and pr-<number>, nothing else', () => {
    for (const name of [...STAGE_NAMES, 'pr-1', 'pr-42', 'pr-10000']) expect(isStageName(name)).toBe(true);
    // A leading zero would give one pull request two stages; prototype keys are not stages.
    for (const name of ['pr-0', 'pr-07', 'pr-', 'pr-x', 'PR-1', 'pr-1-a', 'qa', 'constructor', 'toString']) {
      withMessage(name, () => expect(isStageName(name)).toBe(false));
    }
  });

  it('declares no stage a pull request stage could shadow', () => {
    expect(STAGE_NAMES.filter((name) => PULL_REQUEST_STAGE.test(name))).toEqual([]);
  });

  it('fails for a prototype key as a stage name, as for any unknown stage', () => {
    expect(() => loadStageConfig('constructor')).toThrow(/Unknown stage "constructor"/);
  });

  it('fails for a pull request number too long for a stage name, naming the field', () => {
    expect(() => loadStageConfig(`pr-${'1'.repeat(14)}`)).toThrow(ConfigError);
    expect(() => loadStageConfig(`pr-${'1'.repeat(14)}`)).toThrow(
      /stage: lowercase letters, digits and dashes, 2-16/,
    );
  });
});
