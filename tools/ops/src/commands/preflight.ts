import type { Command } from 'commander';
import { UsageError } from '../errors';
import { plural } from '../format';
import { type Check, type PreflightReport, preflightBlocked, runPreflight } from '../preflight';
import { synthesizeStageRequirements } from '../stage-requirements';
import { globalOptions, type OpsContext } from './context';

/** `ops preflight`: what a deploy of the stage needs, checked against the account before deploying. */
export function registerPreflight(program: Command, ctx: OpsContext): void {
  program
    .command('preflight')
    .description(
      'before a deploy: region, credentials, CDK bootstrap version, Lambda concurrency, existing stacks and names',
    )
    .option(
      '--assembly <dir>',
      'read a cloud assembly `cdk synth -c stage=<stage> -o <dir>` wrote, instead of synthesizing',
    )
    .option('--json', 'print JSON instead of text')
    .action(async (options: { assembly?: string; json?: boolean }, command: Command) => {
      const g = globalOptions(command);
      const requirements = synthesizeStageRequirements(g.stage, options.assembly);
      const clients = ctx.clientsFor(g.region);
      let region: string;
      try {
        region = await clients.sts.config.region();
      } catch {
        throw new UsageError('no AWS region: pass --region or set AWS_REGION.');
      }
      const { endpoint } = ctx;
      const report = await runPreflight(requirements, { clients, region, ...(endpoint ? { endpoint } : {}) });
      if (options.json) ctx.out(JSON.stringify(report, null, 2));
      else printPreflight(ctx, report);
      if (preflightBlocked(report)) ctx.fail();
    });
}

function printPreflight({ out, endpoint }: OpsContext, report: PreflightReport): void {
  const label: Record<Check['status'], string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
  out(
    `Preflight of stage ${report.stage} in ${report.region}${report.account ? `, account ${report.account}` : ''}${endpoint ? ` (endpoint ${endpoint})` : ''}`,
  );
  const width = Math.max(...report.checks.map((c) => c.name.length));
  for (const c of report.checks) {
    out(`  ${label[c.status].padEnd(4)}  ${c.name.padEnd(width)}  ${c.summary}`);
    for (const step of c.fix ?? []) out(`        ${' '.repeat(width)}  -> ${step}`);
  }
  out();
  const count = (status: Check['status']) => report.checks.filter((c) => c.status === status).length;
  if (preflightBlocked(report)) {
    out(
      `Blocked: ${plural(count('fail'), 'check')} failed. Change what they say, then run \`npm run ops -- preflight --stage ${report.stage}\` again.`,
    );
    return;
  }
  const notes = [
    count('warn') > 0 ? `${plural(count('warn'), 'warning')} above` : '',
    count('skip') > 0
      ? `${plural(count('skip'), 'check')} not possible ${endpoint ? 'on this endpoint' : 'here'}`
      : '',
  ].filter(Boolean);
  const next = endpoint ? '.' : `: npx cdk deploy --all -c stage=${report.stage}`;
  out(`Nothing blocks a deploy${notes.length > 0 ? ` (${notes.join('; ')})` : ''}${next}`);
}
