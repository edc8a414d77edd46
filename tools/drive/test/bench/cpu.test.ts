import { describe, expect, it } from '@jest/globals';
import {
  type CpuSample,
  parseMachineStat,
  parseProcStat,
  phaseCpu,
  takeCpuSample,
} from '../../src/bench/cpu';
import { cpuLine } from '../../src/bench/report';

// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
const stat = (comm: string, utime: number, stime: number, cutime: number, cstime: number) =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 9 0 123 0 0`;

describe('parseProcStat', () => {
  it("GIVEN a process stat line THEN its own and its ended children's user + system seconds", () => {
    expect(parseProcStat(stat('python3', 250, 50, 30, 10), 100)).toEqual({ self: 3, children: 0.4 });
  });

  it('GIVEN a command name with spaces and parentheses THEN the fields are still counted from its end', () => {
    expect(parseProcStat(stat('moto (server) x', 100, 0, 0, 0), 100)).toEqual({ self: 1, children: 0 });
  });

  it('fails soft on a line that is not a stat line: undefined', () => {
    expect(parseProcStat('', 100)).toBeUndefined();
    expect(parseProcStat('4242 (x) S 1', 100)).toBeUndefined();
  });
});

describe('parseMachineStat', () => {
  it('GIVEN /proc/stat THEN busy ticks are all but idle and iowait', () => {
    const text = 'cpu  100 10 50 800 40 0 0 0 0 0\ncpu0 50 5 25 400 20 0 0 0 0 0\n';

    expect(parseMachineStat(text)).toEqual({ busy: 160, total: 1000 });
  });

  it('fails soft on another file: undefined', () => {
    expect(parseMachineStat('intr 1 2 3')).toBeUndefined();
  });
});

describe('takeCpuSample', () => {
  it("GIVEN no emulator process THEN no emulator figure, and this process's own CPU", () => {
    const sample = takeCpuSample(undefined, 1_000);

    expect(sample.at).toBe(1_000);
    expect(sample.emulator).toBeUndefined();
    expect(sample.driver).toBeGreaterThan(0);
  });
});

describe('phaseCpu', () => {
  // The emulator at one core for 3 s, then at a quarter; this process at half a core throughout.
  const samples: CpuSample[] = [0, 1, 2, 3, 4, 5].map((s) => ({
    at: 10_000 + s * 1_000,
    emulator: Math.min(s, 3) + Math.max(0, s - 3) * 0.25,
    driver: s * 0.5,
    environments: s === 5 ? 2 : 0,
    machine: s * 1.5,
  }));

  it('GIVEN samples of a phase THEN CPU seconds and busy cores over the whole phase', () => {
    const cpu = phaseCpu(samples, { from: 10_000, to: 13_000 }, 2);

    expect(cpu.wholePhase).toEqual({
      seconds: 5,
      emulator: { cpuSeconds: 3.5, busyCores: 0.7 },
      driver: { cpuSeconds: 2.5, busyCores: 0.5 },
      executionEnvironments: { cpuSeconds: 2, busyCores: 0.4 },
      machine: { cpuSeconds: 7.5, busyCores: 1.5 },
      cores: 2,
    });
  });

  it('GIVEN a loaded span THEN its figures interpolate the samples around it, and count the saturated seconds', () => {
    const cpu = phaseCpu(samples, { from: 11_500, to: 14_500 }, 2);

    // 1.5 s at one core, then 1.5 s at a quarter.
    expect(cpu.loaded?.emulator?.cpuSeconds).toBeCloseTo(1.875, 10);
    expect(cpu.loaded?.emulator?.busyCores).toBeCloseTo(0.625, 10);
    expect(cpu.loaded?.executionEnvironments).toBeNull();
    // The seconds ending at 12, 13 and 14 s: the first two at one core.
    expect(cpu.emulatorSaturatedShare).toBeCloseTo(2 / 3, 10);
  });

  it('GIVEN no loaded span, or no emulator process THEN those figures are null', () => {
    expect(phaseCpu(samples, undefined, 2)).toMatchObject({ loaded: null, emulatorSaturatedShare: null });
    const cpu = phaseCpu(
      samples.map(({ emulator: _, ...s }) => s),
      { from: 10_000, to: 13_000 },
      2,
    );
    expect(cpu.wholePhase.emulator).toBeNull();
    expect(cpu.emulatorSaturatedShare).toBeNull();
  });
});

describe('cpuLine', () => {
  it('GIVEN the CPU of a phase THEN one line: busy cores under load, then CPU seconds of the whole phase', () => {
    const samples: CpuSample[] = [0, 1, 2].map((s) => ({
      at: s * 1_000,
      emulator: s * 0.95,
      driver: s * 0.5,
      environments: s === 2 ? 1.2 : 0,
      machine: s * 1.9,
    }));

    expect(cpuLine('pipeline', phaseCpu(samples, { from: 0, to: 2_000 }, 2))).toBe(
      'cpu pipeline  loaded 2.0 s: emulator 0.95 cores (0.9+ in 100 % of seconds), this process 0.50 cores, ' +
        'machine 1.90 cores of 2 · whole phase 2.0 s: emulator 1.9 s, execution environments 1.2 s, this process 1.0 s CPU',
    );
  });
});
