/**
 * The physical names of a stage: its stacks and the few resources that carry a name (the bus, so its
 * own policy can name its ARN; the archive, whose generated name could never change without losing the
 * archived events; the dashboard, so operators find it). Each contains the stage, so two stages in one
 * account and region never collide. No imports: the ops CLI and lib/config.ts read these too.
 */

/** Every stack and named resource of every stage starts with it. */
export const NAME_PREFIX = 'OrderPipeline';

/** Stack names are stable: renaming one creates a new stack (and, for Data, new tables). */
export function stackNames(stage: string): { readonly data: string; readonly pipeline: string } {
  return { data: `${NAME_PREFIX}-${stage}-Data`, pipeline: `${NAME_PREFIX}-${stage}-Pipeline` };
}

export interface ResourceNames {
  readonly eventBus: string;
  readonly archive: string;
  readonly dashboard: string;
}

export function resourceNames(stage: string): ResourceNames {
  const name = `${NAME_PREFIX}-${stage}`;
  return { eventBus: name, archive: name, dashboard: name };
}

/** EventBridge: an archive name is 1 to 48 of these characters (the tightest of the three names). */
export const ARCHIVE_NAME_MAX_LENGTH = 48;
const ARCHIVE_NAME_CHARACTERS = /^[.\-_A-Za-z0-9]+$/;

/** Why `name` cannot be an EventBridge archive name, or undefined when it can. */
export function archiveNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > ARCHIVE_NAME_MAX_LENGTH) {
    return `archive name "${name}" has ${name.length} characters; EventBridge allows 1 to ${ARCHIVE_NAME_MAX_LENGTH}`;
  }
  if (!ARCHIVE_NAME_CHARACTERS.test(name)) {
    return `archive name "${name}" may hold only letters, digits, ".", "-" and "_"`;
  }
  return undefined;
}
