/**
 * Measures what each calibration subject retains, for the figures documented in
 * `fixtures/calibration/*.ts`. Each subject runs in its own `--expose-gc` process; the reading is post-GC
 * `process.memoryUsage()`. Prints numbers, asserts nothing.
 *
 *   npm run bench:retention [-- subject-id ...]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CALIBRATION_SUBJECTS,
  calibrationSubject,
  type CalibrationSubject,
  type SubjectInstance,
} from '../fixtures/calibration/index.ts';
import { releaseLeakedTelemetryTimers } from '../fixtures/calibration/lifecycle.ts';

const SOAK_WARMUP_STEPS = 200_000;
const SOAK_MEASURED_STEPS = 1_000_000;
const CHURN_WARMUP_CYCLES = 200;
const CHURN_MEASURED_CYCLES = 2000;

interface Reading {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * One step, awaited when the subject is async; then, every 1000 steps, one event-loop turn, so what an
 * event-driven subject scheduled runs (as the audit's turn after each window lets it).
 */
let stepped = 0;
async function stepOnce(instance: SubjectInstance): Promise<void> {
  const pending = instance.step();
  if (pending) await pending;
  if (++stepped % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
}

function read(): Reading {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers };
}

async function measure(subject: CalibrationSubject): Promise<string> {
  const keep: unknown[] = [];
  let unit: string;
  let n: number;
  let before: Reading;
  let after: Reading;
  let warmup = '';
  if (subject.workload === 'soak') {
    const instance = subject.create();
    keep.push(instance);
    const created = read();
    for (let i = 0; i < SOAK_WARMUP_STEPS; i++) await stepOnce(instance);
    before = read();
    warmup = `; first ${SOAK_WARMUP_STEPS} steps: heapUsed ${before.heapUsed - created.heapUsed} B, external ${before.external - created.external} B`;
    for (let i = 0; i < SOAK_MEASURED_STEPS; i++) await stepOnce(instance);
    after = read();
    // Its timers would keep this process alive (the event-driven subject's heartbeat).
    instance.cleanup();
    unit = 'B/step';
    n = SOAK_MEASURED_STEPS;
  } else {
    const cycle = async () => {
      const instance = subject.create();
      for (let i = 0; i < (subject.stepsPerCycle ?? 1); i++) await stepOnce(instance);
      instance.cleanup();
    };
    for (let i = 0; i < CHURN_WARMUP_CYCLES; i++) await cycle();
    before = read();
    for (let i = 0; i < CHURN_MEASURED_CYCLES; i++) await cycle();
    after = read();
    unit = 'B/cycle';
    n = CHURN_MEASURED_CYCLES;
  }
  const per = (k: keyof Reading) => ((after[k] - before[k]) / n).toFixed(3);
  const handles = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  releaseLeakedTelemetryTimers();
  void keep.length;
  return `${subject.id.padEnd(22)} heapUsed ${per('heapUsed').padStart(10)} external ${per('external').padStart(10)} arrayBuffers ${per('arrayBuffers').padStart(10)} ${unit}  (timers alive: ${handles})${warmup}`;
}

const [, , mode, ...rest] = process.argv;
if (mode === '--child') {
  console.log(await measure(calibrationSubject(rest[0]!)));
} else {
  const ids = process.argv.slice(2);
  const subjects = ids.length ? ids.map(calibrationSubject) : CALIBRATION_SUBJECTS;
  const self = fileURLToPath(import.meta.url);
  console.log(
    `node ${process.version}; soak: ${SOAK_MEASURED_STEPS} steps after ${SOAK_WARMUP_STEPS}; churn: ${CHURN_MEASURED_CYCLES} cycles after ${CHURN_WARMUP_CYCLES}`,
  );
  for (const subject of subjects) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', subject.id], {
      encoding: 'utf8',
    });
    process.stdout.write(out);
  }
}
