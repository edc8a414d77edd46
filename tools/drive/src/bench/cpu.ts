import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Where the CPU of a phase goes: the emulator (one moto process, Python, so one core at most for the
 * interpreter whatever the machine has), this process (the driver, the HTTP API door, the runner's
 * pollers) and the runner's execution environments (child processes). Read from /proc, which is what
 * `top` reads. Read by hand: pidusage samples one process's share, but the split also needs the children's
 * ended time and the machine's busy time from the same reading. Off Linux only this process's own figure is known.
 */

/** CPU of one process, in seconds, from /proc/<pid>/stat. */
export interface ProcessCpu {
  /** Its own user + system time. */
  readonly self: number;
  /** User + system time of its children that ended and were waited for. */
  readonly children: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces or
 * parentheses itself, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string, ticksPerSecond: number): ProcessCpu | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) is at index 11, stime 12, cutime 13, cstime 14.
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (![utime, stime, cutime, cstime].every((n) => Number.isFinite(n))) return undefined;
  return {
    self: ((utime ?? 0) + (stime ?? 0)) / ticksPerSecond,
    children: ((cutime ?? 0) + (cstime ?? 0)) / ticksPerSecond,
  };
}

/** Busy and total clock ticks of the whole machine, from the first line of /proc/stat. */
export function parseMachineStat(text: string): { busy: number; total: number } | undefined {
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 8 || !ticks.every((n) => Number.isFinite(n))) return undefined;
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

let clockTicks: number | undefined;

/** The kernel's clock ticks per second (USER_HZ): 100 on every common Linux, asked once all the same. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readProcess(pid: number | 'self'): ProcessCpu | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
  } catch {
    return undefined;
  }
}

function readMachine(): { busy: number; total: number } | undefined {
  try {
    return parseMachineStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Cumulative CPU seconds at one moment. */
export interface CpuSample {
  /** Epoch ms. */
  readonly at: number;
  readonly emulator?: number;
  /** This process (process.cpuUsage: user + system). */
  readonly driver: number;
  /** This process's children that ended: the runner's execution environments once it stopped them. */
  readonly environments?: number;
  /** Busy seconds of all cores together, and the machine's cores. */
  readonly machine?: number;
}

export function takeCpuSample(emulatorPid: number | undefined, at = Date.now()): CpuSample {
  const usage = process.cpuUsage();
  const machine = readMachine();
  const ticks = ticksPerSecond();
  return {
    at,
    emulator: emulatorPid === undefined ? undefined : readProcess(emulatorPid)?.self,
    driver: (usage.user + usage.system) / 1e6,
    environments: readProcess('self')?.children,
    machine: machine === undefined ? undefined : machine.busy / ticks,
  };
}

/**
 * Samples every second from `start` to `stop`: the figures of the whole phase come from the first and
 * the last sample, those of its loaded part (first placement to last final state) from the samples
 * around it.
 */
export class CpuSampler {
  private readonly samples: CpuSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emulatorPid: number | undefined,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.samples.push(takeCpuSample(this.emulatorPid));
    this.timer = setInterval(() => this.samples.push(takeCpuSample(this.emulatorPid)), this.intervalMs);
    // A sampler must never keep the benchmark alive.
    this.timer.unref();
  }

  stop(): readonly CpuSample[] {
    clearInterval(this.timer);
    this.samples.push(takeCpuSample(this.emulatorPid));
    return [...this.samples];
  }
}

/** CPU seconds of one process over a span, and its mean busy cores (1.0 = one core all the time). */
export interface CpuUse {
  readonly cpuSeconds: number;
  readonly busyCores: number;
}

export interface PhaseCpu {
  /** The runner's start to its stop: cold starts, load, settling, the final reads. */
  readonly wholePhase: CpuSpan;
  /** First placement to the last order's final state: the span throughput is measured over. */
  readonly loaded: CpuSpan | null;
  /**
   * Share of the loaded span's one-second samples in which the emulator was 0.9 core busy or more:
   * a single-threaded server at its ceiling.
   */
  readonly emulatorSaturatedShare: number | null;
}

export interface CpuSpan {
  readonly seconds: number;
  readonly emulator: CpuUse | null;
  readonly driver: CpuUse;
  /** Measured once they ended, so only over the whole phase. */
  readonly executionEnvironments: CpuUse | null;
  readonly machine: CpuUse | null;
  readonly cores: number;
}

type Key = 'emulator' | 'driver' | 'environments' | 'machine';

/** The cumulative value of `key` at `at`, interpolated between the samples around it. */
function valueAt(samples: readonly CpuSample[], key: Key, at: number): number | undefined {
  const after = samples.findIndex((s) => s.at >= at);
  const b = samples[after === -1 ? samples.length - 1 : after];
  const a = samples[Math.max(0, (after === -1 ? samples.length : after) - 1)];
  const [va, vb] = [a?.[key], b?.[key]];
  if (a === undefined || b === undefined || va === undefined || vb === undefined) return undefined;
  if (b.at === a.at) return vb;
  const t = Math.min(1, Math.max(0, (at - a.at) / (b.at - a.at)));
  return va + (vb - va) * t;
}

function use(samples: readonly CpuSample[], key: Key, from: number, to: number): CpuUse | null {
  const [start, end] = [valueAt(samples, key, from), valueAt(samples, key, to)];
  if (start === undefined || end === undefined) return null;
  const cpuSeconds = end - start;
  return { cpuSeconds, busyCores: cpuSeconds / Math.max(0.001, (to - from) / 1000) };
}

function span(
  samples: readonly CpuSample[],
  from: number,
  to: number,
  cores: number,
  whole: boolean,
): CpuSpan {
  return {
    seconds: (to - from) / 1000,
    emulator: use(samples, 'emulator', from, to),
    driver: use(samples, 'driver', from, to) ?? { cpuSeconds: 0, busyCores: 0 },
    executionEnvironments: whole ? use(samples, 'environments', from, to) : null,
    machine: use(samples, 'machine', from, to),
    cores,
  };
}

/** The CPU figures of a phase from its samples and its loaded span (epoch ms). */
export function phaseCpu(
  samples: readonly CpuSample[],
  loaded: { readonly from: number; readonly to: number } | undefined,
  cores: number,
): PhaseCpu {
  const first = samples[0]?.at ?? 0;
  const last = samples.at(-1)?.at ?? first;
  const inLoad =
    loaded === undefined || loaded.to <= loaded.from
      ? []
      : samples.filter((s, i) => i > 0 && s.at > loaded.from && s.at <= loaded.to);
  const saturated = inLoad.filter((s) => {
    const before = samples[samples.indexOf(s) - 1];
    if (before?.emulator === undefined || s.emulator === undefined) return false;
    return (s.emulator - before.emulator) / Math.max(0.001, (s.at - before.at) / 1000) >= 0.9;
  });
  const hasEmulator = samples.some((s) => s.emulator !== undefined);
  return {
    wholePhase: span(samples, first, last, cores, true),
    loaded:
      inLoad.length === 0 || loaded === undefined
        ? null
        : span(samples, loaded.from, loaded.to, cores, false),
    emulatorSaturatedShare: inLoad.length === 0 || !hasEmulator ? null : saturated.length / inLoad.length,
  };
}
