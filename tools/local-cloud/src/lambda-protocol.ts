/** Messages between the local Lambda runner and an execution environment (lambda-worker.ts). */

/** The invocation context fields Lambda gives a Node.js handler (methods are added in the worker). */
export interface InvokeContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch ms when the runner stops the invocation: getRemainingTimeInMillis() counts down to it. */
  readonly deadlineMs: number;
}

export type ParentMessage =
  | { readonly type: 'init'; readonly taskRoot: string; readonly module: string; readonly exportName: string }
  | {
      readonly type: 'invoke';
      readonly id: string;
      readonly event: unknown;
      readonly context: InvokeContext;
      /** `_X_AMZN_TRACE_ID` for this invocation. */
      readonly traceId: string;
    };

export interface WorkerError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack?: readonly string[];
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init-error'; readonly error: WorkerError }
  /** `payload` is the JSON the function returned, as Lambda would put on the wire. */
  | { readonly type: 'result'; readonly id: string; readonly ok: true; readonly payload: string }
  | { readonly type: 'result'; readonly id: string; readonly ok: false; readonly error: WorkerError }
  /** An uncaught exception or unhandled rejection: the environment exits right after. */
  | { readonly type: 'crash'; readonly error: WorkerError };
