/** A deployment the local runner cannot run as it is; the message names the resource and what to change. */
export class RunnerError extends Error {
  override readonly name = 'RunnerError';
}
