import { UsageError } from '@order-pipeline/pipeline-client/errors';

/**
 * Errors the ops CLI shows as one line, without a stack trace: those of the pipeline client (a
 * UsageError is the operator's to fix and exits 2; any other is a failed operation and exits 1), and
 * the CLI's own.
 */
export {
  describeError,
  PipelineClientError as OpsError,
  UnknownQueueError,
  UsageError,
} from '@order-pipeline/pipeline-client/errors';

export class InvalidTimeError extends UsageError {
  override readonly name = 'InvalidTimeError';
}
