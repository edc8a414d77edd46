/**
 * The lines Lambda itself writes to a function's log group on every invocation, which the local runner
 * does not emulate: with the JSON log format and the default system log level (INFO), a `platform.start`
 * and a `platform.report` record per invocation ("Log-level filtering", Lambda developer guide: "with
 * this setting, Lambda automatically sends 'start' and 'report' log messages to CloudWatch"). CloudWatch
 * Logs bills their bytes like the function's own.
 *
 * Their size is the size of a representative record of each (fields from the Telemetry API event schema
 * reference, the schema the JSON system logs use), with values as long as real ones: a UUID request id,
 * an X-Ray trace header, a two-decimal duration. Cold starts' `platform.initStart` and
 * `platform.initReport` are left out: a few per thousand invocations.
 */

/** The system log levels a function's LoggingConfig may set; WARN keeps start and report out of the logs. */
export type SystemLogLevel = 'DEBUG' | 'INFO' | 'WARN';

const REQUEST_ID = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';
const TRACING = {
  spanId: '3ce3ba8e1d0b9a55',
  type: 'X-Amzn-Trace-Id',
  value: 'Root=1-6761cbd6-5d6d3c1f2b6f0e3a1c9d8e7f;Parent=3ce3ba8e1d0b9a55;Sampled=1',
};
const TIME = '2026-12-05T19:22:47.123Z';

const START = {
  time: TIME,
  type: 'platform.start',
  record: { requestId: REQUEST_ID, version: '$LATEST', tracing: TRACING },
};

const REPORT = {
  time: TIME,
  type: 'platform.report',
  record: {
    requestId: REQUEST_ID,
    metrics: { durationMs: 41.27, billedDurationMs: 42, memorySizeMB: 256, maxMemoryUsedMB: 98 },
    tracing: TRACING,
    status: 'success',
  },
};

/** Bytes of one record as CloudWatch Logs ingests it: the JSON line and its newline. */
const lineBytes = (record: unknown): number => Buffer.byteLength(JSON.stringify(record)) + 1;

/** Bytes Lambda logs per invocation of a function at `level`: start and report at INFO and DEBUG. */
export function platformLogBytesPerInvocation(level: SystemLogLevel = 'INFO'): number {
  return level === 'WARN' ? 0 : lineBytes(START) + lineBytes(REPORT);
}
