import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ClientConfig, TargetDescription } from './target';

/**
 * The functions' log lines (Powertools JSON), searched by an identifier: what the tests use to see that
 * a delivery was processed (a duplicate leaves no other trace, by design) and why a record failed.
 * Local: the file the Lambda runner's log capture writes. LocalStack and AWS: CloudWatch Logs.
 */

export interface LogLine {
  /** The line as the function wrote it. */
  readonly raw: string;
  readonly service?: string;
  readonly level?: string;
  readonly message?: string;
  readonly messageId?: string;
  readonly orderId?: string;
  readonly detailType?: string;
  readonly receiveCount?: number;
  readonly [key: string]: unknown;
}

export interface FunctionLogs {
  /** Every line any function logged since the suite started that contains `needle` (an order or message id). */
  search(needle: string): Promise<LogLine[]>;
  close(): void;
}

function parse(raw: string): LogLine {
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { ...value, raw };
  } catch {
    // a plain-text line (a runtime message): keep it unparsed
  }
  return { raw };
}

class FileLogs implements FunctionLogs {
  /** The function lines read so far; each search reads only what was appended since the last one. */
  private readonly lines: string[] = [];
  private offset = 0;
  private partial = '';

  constructor(private readonly path: string) {}

  async search(needle: string): Promise<LogLine[]> {
    this.readNew();
    return this.lines.filter((line) => line.includes(needle)).map(parse);
  }

  private readNew(): void {
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return;
      const chunk = Buffer.alloc(size - this.offset);
      readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset = size;
      const entries = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = entries.pop() ?? '';
      for (const entry of entries) {
        if (entry) this.lines.push((JSON.parse(entry) as { line: string }).line);
      }
    } finally {
      closeSync(fd);
    }
  }

  close(): void {}
}

class CloudWatchLogs implements FunctionLogs {
  private readonly client: CloudWatchLogsClient;

  constructor(
    config: ClientConfig,
    private readonly logGroups: readonly string[],
    private readonly since: number,
  ) {
    this.client = new CloudWatchLogsClient(config);
  }

  async search(needle: string): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for (const logGroupName of this.logGroups) {
      let nextToken: string | undefined;
      do {
        const page = await this.client.send(
          new FilterLogEventsCommand({
            logGroupName,
            startTime: this.since,
            // A quoted term matches the exact phrase, dashes included.
            filterPattern: `"${needle}"`,
            nextToken,
          }),
        );
        for (const event of page.events ?? []) {
          if (event.message?.includes(needle)) lines.push(parse(event.message.trim()));
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return lines;
  }

  close(): void {
    this.client.destroy();
  }
}

export function functionLogs(target: TargetDescription, config: ClientConfig): FunctionLogs {
  if (target.logs.kind === 'file') return new FileLogs(target.logs.path);
  return new CloudWatchLogs(config, Object.values(target.logs.logGroups), target.startedAt);
}
