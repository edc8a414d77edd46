import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { acknowledgeCiAccessFindings } from './nag-suppressions';
import { NAME_PREFIX } from './names';
import { PROJECT_TAG } from './order-pipeline';
import { CiAccessStack, type CiAccessStackProps } from './stacks/ci-access-stack';

/** One per account: IAM and the OIDC provider are global, so one region's stack serves them all. */
export const CI_ACCESS_STACK_NAME = `${NAME_PREFIX}-CiAccess`;

/**
 * Adds the stack GitHub Actions needs in one account (bin/ci-access.ts), tagged like the pipeline's
 * stacks and checked by the same cdk-nag packs.
 */
export function addCiAccess(app: App, props: Omit<CiAccessStackProps, 'description'>): CiAccessStack {
  const stack = new CiAccessStack(app, CI_ACCESS_STACK_NAME, {
    ...props,
    description: `Order pipeline: GitHub Actions of ${props.repository} deploy through the CDK bootstrap roles`,
  });
  Tags.of(stack).add('project', PROJECT_TAG);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  acknowledgeCiAccessFindings(stack);
  return stack;
}
