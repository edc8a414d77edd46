import type { Progress } from '@order-pipeline/pipeline-client/redrive';
import { Presets, SingleBar } from 'cli-progress';

/** Progress of long work (redrives, replays). Shown only on a terminal; logs and pipes get the summary only. */
export type { Progress };

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): boolean;
}

const SILENT: Progress = { start: () => {}, update: () => {}, stop: () => {} };

export function createProgress(stream: ProgressStream): Progress {
  if (!stream.isTTY) return SILENT;
  let bar: SingleBar | undefined;
  let total = 0;
  return {
    start(expected, label) {
      bar = new SingleBar(
        {
          format: `${label} [{bar}] {value}/{total} | {duration_formatted}`,
          stream: stream as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
      );
      total = Math.max(expected, 1);
      bar.start(total, 0);
    },
    update(value) {
      // The total is an estimate (a queue's approximate depth): grow it rather than overflow the bar.
      if (value > total) {
        total = value;
        bar?.setTotal(total);
      }
      bar?.update(value);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
