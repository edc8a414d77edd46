import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseGitHubRepository, REPOSITORY, RUNBOOK_URL } from '../../lib/repository';
import { PROJECT_ROOT } from './support/app';

describe('parseGitHubRepository', () => {
  it.each([
    ['git+https://github.com/acme/orders.git'],
    ['https://github.com/acme/orders'],
    ['git@github.com:acme/orders.git'],
    ['github:acme/orders'],
    ['acme/orders'],
  ])('reads %s as acme/orders', (url) => {
    expect(parseGitHubRepository({ type: 'git', url })).toEqual({
      fullName: 'acme/orders',
      url: 'https://github.com/acme/orders',
    });
    expect(parseGitHubRepository(url).fullName).toBe('acme/orders');
  });

  it('fails for a repository that is not on GitHub, or none, saying what package.json needs', () => {
    for (const field of [undefined, '', { url: 'https://gitlab.com/acme/orders.git' }]) {
      expect(() => parseGitHubRepository(field)).toThrow(
        /package.json "repository" must name a GitHub repository/,
      );
    }
  });
});

describe('the repository of this app', () => {
  it('is the one package.json names, and the runbook is its docs/runbook.md on main', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      repository: { url: string };
    };
    expect(pkg.repository.url).toContain(REPOSITORY.fullName);
    expect(RUNBOOK_URL).toBe(`https://github.com/${REPOSITORY.fullName}/blob/main/docs/runbook.md`);
  });
});
