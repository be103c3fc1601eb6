import { describe, expect, it } from 'vitest';
import { chooseProcess, type MeasuredProcess } from '../src/cli/program-process.ts';
import type { Sample } from '../src/model/audit.ts';
import { resolveAuditOptions } from '../src/model/options.ts';
import { rawRecord } from './support/record.ts';

/** The watch's start, epoch ms. */
const WATCH_START = 1.8e12;

/**
 * A watched process read every 250 ms from `from` to `to` seconds into a watch, its heap growing
 * `perSecond` bytes a second.
 */
function measured(
  pid: number,
  script: string,
  depth: number,
  perSecond: number,
  { from = 0, to = 30 } = {},
): MeasuredProcess {
  const seconds = to - from;
  const options = {
    ...resolveAuditOptions('app', { steps: 30, horizon: { units: 36_000, instances: 1, label: '10 h' } }),
    unit: 'second',
  };
  const samples: Sample[] = Array.from({ length: seconds * 4 }, (_, i) => {
    const at = i / 4;
    const heapUsed = 4e6 + perSecond * at + ((i * 7919) % 13) * 50;
    return { at, ms: at * 1000, heapUsed, external: 1000, arrayBuffers: 1000, rss: 4e7, spaces: {} };
  });
  const record = rawRecord(options, samples, { id: 'app', name: 'app', file: script, pid, heapCapBytes: 2e9 });
  return { record, identity: { script, depth }, startedAt: WATCH_START + from * 1000 };
}

describe('which of a program’s Node processes is judged', () => {
  it('a launcher’s child, when it leaks and the launcher only waits', () => {
    const launcher = measured(10, '/app/node_modules/.bin/tsx', 0, 0);
    const app = measured(11, '/app/server.ts', 1, 90_000);
    const { chosen, description } = chooseProcess([launcher, app]);
    expect(chosen.record.pid).toBe(11);
    expect(description).toMatch(
      /^Judged: \/app\/server\.ts \(pid 11, depth 1\), one of 2 Node processes of the program that measured themselves; the others: \/app\/node_modules\/\.bin\/tsx \(pid 10, the first\): pass, heap [^;]+ B\/second, 120 readings\.$/,
    );
    // Under --per, a process with no progress is measured but no candidate: counted, not listed.
    expect(chooseProcess([app], 2).description).toBe(
      'Judged: /app/server.ts (pid 11, depth 1), one of 2 Node processes of the program that measured themselves.',
    );
    expect(chooseProcess([app]).description).toBeNull();
  });

  it('the first process when it is the one that leaks, beside clean workers', () => {
    const primary = measured(20, '/app/cluster.js', 0, 90_000);
    const worker = measured(21, '/app/cluster.js', 1, 0);
    expect(chooseProcess([worker, primary]).chosen.record.pid).toBe(20);
  });

  it('the deepest of clean processes: where a launcher runs the program', () => {
    const launcher = measured(30, '/app/node_modules/.bin/tsx', 0, 0);
    const app = measured(31, '/app/server.ts', 1, 0);
    expect(chooseProcess([launcher, app]).chosen.record.pid).toBe(31);
  });

  it('not a helper the program ran for a moment, however it grew', () => {
    const app = measured(40, '/app/server.js', 0, 0);
    const helper = measured(41, '/app/build.js', 1, 500_000, { from: 1, to: 13 });
    const lateWorker = measured(42, '/app/worker.js', 1, 500_000, { from: 20 });
    expect(chooseProcess([app, helper, lateWorker]).chosen.record.pid).toBe(40);
  });

  it('a launcher’s child that started seconds after it, on a busy machine', () => {
    // tsx's child in an 8 s watch beside three others: ~30 % fewer readings than its launcher.
    const launcher = measured(50, '/app/node_modules/.bin/tsx', 0, 0, { to: 8 });
    const app = measured(51, '/app/leak.mjs', 1, 90_000, { from: 2.5, to: 8 });
    expect(chooseProcess([launcher, app]).chosen.record.pid).toBe(51);
  });
});
