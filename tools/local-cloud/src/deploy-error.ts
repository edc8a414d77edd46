/** What `deployApp` and `synthesize` throw: one clear message, the cause named. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
}

/** A stack of the same name is already on the emulator (left by an earlier run) and `ifExists` is 'fail'. */
export class StackExistsError extends DeployError {
  constructor(
    message: string,
    readonly stackName: string,
    readonly stackStatus: string | undefined,
  ) {
    super(message);
  }
}
