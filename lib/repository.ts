import packageJson from '../package.json';

/**
 * The GitHub repository the app is deployed from. Set in one place, package.json `repository`; the
 * runbook links of the alarms and the trust of the CI role (lib/stacks/ci-access-stack.ts) follow it,
 * so a copy of this repository changes that field and nothing else.
 */

export interface GitHubRepository {
  /** `owner/name`, as GitHub's OIDC tokens name it in their `sub` claim. */
  readonly fullName: string;
  /** `https://github.com/owner/name` */
  readonly url: string;
}

/** The branch main.yml deploys from: the runbook links point at the runbook that branch deploys. */
export const DEFAULT_BRANCH = 'main';

/** Reads a package.json `repository` field: `github:owner/name`, `owner/name` or a GitHub URL. */
export function parseGitHubRepository(field: unknown): GitHubRepository {
  const raw = typeof field === 'object' && field !== null ? (field as { url?: unknown }).url : field;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const match =
    /^(?:git\+)?(?:https:\/\/|ssh:\/\/git@|git@)github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
      text,
    ) ?? /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(text);
  if (!match?.[1] || !match[2]) {
    throw new Error(
      `package.json "repository" must name a GitHub repository (e.g. "https://github.com/owner/name"), got ${JSON.stringify(field)}.`,
    );
  }
  const fullName = `${match[1]}/${match[2]}`;
  return { fullName, url: `https://github.com/${fullName}` };
}

export const REPOSITORY: GitHubRepository = parseGitHubRepository(packageJson.repository);

/** docs/runbook.md on the default branch: where the alarm descriptions and the dashboard link. */
export const RUNBOOK_URL = `${REPOSITORY.url}/blob/${DEFAULT_BRANCH}/docs/runbook.md`;
