#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addCiAccess } from '../lib/ci-access';
import { REPOSITORY } from '../lib/repository';

// The roles GitHub Actions assumes, deployed once per account apart from the pipeline (README, "Adopt
// the delivery workflow"): npm run ci-access -- deploy -c deployEnvironments=dev,pr-stages -c testEnvironments=pr-stages
const app = new App();

function list(key: string): string[] {
  const value: unknown = app.node.tryGetContext(key);
  return (Array.isArray(value) ? value.map(String) : String(value ?? '').split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

const deployEnvironments = list('deployEnvironments');
if (deployEnvironments.length === 0) {
  // A missing context value is the user's to fix: show what to pass, not a stack trace.
  console.error(
    '\nPass -c deployEnvironments=<GitHub environments whose jobs deploy to this account>, e.g. dev,pr-stages or prod.\n',
  );
  process.exit(1);
}
const repository: unknown = app.node.tryGetContext('githubRepository');
const oidcProviderArn: unknown = app.node.tryGetContext('githubOidcProviderArn');

addCiAccess(app, {
  repository: typeof repository === 'string' ? repository : REPOSITORY.fullName,
  deployEnvironments,
  testEnvironments: list('testEnvironments'),
  ...(typeof oidcProviderArn === 'string' ? { oidcProviderArn } : {}),
});
