import { describe, expect, it } from 'vitest';
import type { ChildEnd } from '../src/cli/child-end.ts';
import { recoveredOutcome, reportedOutcome, type Death } from '../src/cli/recover.ts';
import type { StreamContents } from '../src/cli/stream-reader.ts';
import { resolveAuditOptions } from '../src/model/options.ts';
import type { RawAuditRecord, Sample } from '../src/model/audit.ts';

/**
 * How the parent judges what a dead audit process left (interrupted, hung, out of heap, crashed,
 * never started), from synthetic ends and streams: each case here once needed an e2e run of a fault
 * subject (test/faults/), which cli.test.ts keeps for the wiring.
 */

const FILE = 'audits/x.audit.ts';
const MB = 2 ** 20;

function end(overrides: Partial<ChildEnd> = {}): ChildEnd {
  return {
    file: FILE,
    result: null,
    exitCode: 1,
    signal: null,
    logFile: null,
    logTail: '',
    logBytes: 0,
    ...overrides,
  };
}

const sample = (at: number): Sample => ({
  at,
  ms: at,
  heapUsed: 1e6,
  external: 0,
  arrayBuffers: 0,
  rss: 0,
  spaces: {},
});

/** A stream of an audit that started and took readings up to 2000 units, then began the window to 3000. */
const started: StreamContents = {
  start: {
    id: 'x',
    name: 'x',
    file: FILE,
    pid: 42,
    options: resolveAuditOptions('x', {}),
    heapCapBytes: 1536 * MB,
  },
  samples: [sample(0), sample(1000), sample(2000)],
  lastWindow: { from: 2000, to: 3000 },
  ended: false,
  end: null,
};
const neverStarted: StreamContents = { start: null, samples: [], lastWindow: null, ended: false, end: null };
const quiet: Death = { interrupted: null, hungAfterMs: undefined, heapCapMb: 1536 };

function errorOf(outcome: ReturnType<typeof recoveredOutcome>) {
  if (!('record' in outcome)) throw new Error(`expected a record, got ${JSON.stringify(outcome)}`);
  return outcome.record.error;
}

describe('an audit process that reported', () => {
  it('gives its record, with where its output went', () => {
    const record = { id: 'x' } as RawAuditRecord;
    const reported = end({
      result: { kind: 'measured', record, output: { bytes: 10, droppedBytes: 0 } },
      exitCode: 0,
      logFile: `${process.cwd()}/reports/logs/x.log`,
    });
    expect(reportedOutcome(FILE, reported)).toEqual({
      record: { id: 'x', output: { log: 'reports/logs/x.log', bytes: 10, droppedBytes: 0 } },
    });
  });

  it('is a load error when its audit did not build or load, and nothing when it never reported', () => {
    expect(reportedOutcome(FILE, end({ buildError: 'SyntaxError' }))).toEqual({
      loadError: { file: FILE, message: 'SyntaxError' },
    });
    const loadError = { kind: 'load-error', message: 'declares no audit', output: { bytes: 0, droppedBytes: 0 } };
    expect(reportedOutcome(FILE, end({ result: loadError } as Partial<ChildEnd>))).toEqual({
      loadError: { file: FILE, message: 'declares no audit' },
    });
    expect(reportedOutcome(FILE, end())).toBeNull();
    expect(reportedOutcome(FILE, undefined)).toBeNull();
  });
});

describe('an audit process that never reported, judged on its stream', () => {
  it('keeps its samples, stopped for an error that names the window it was in', () => {
    const outcome = recoveredOutcome(FILE, end({ signal: 'SIGSEGV', exitCode: null }), started, quiet);
    expect('record' in outcome && outcome.record.samples).toHaveLength(3);
    expect('record' in outcome && outcome.record.stopReason).toBe('error');
    expect(errorOf(outcome)).toEqual({
      kind: 'crashed',
      message: 'the audit process was ended by SIGSEGV during units 2000–3000, without reporting',
      at: 2000,
    });
  });

  it('names the interrupt first, then the watchdog, then the heap, then the crash with its last error line', () => {
    const outOfHeap = end({ logTail: '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit' });
    expect(errorOf(recoveredOutcome(FILE, outOfHeap, started, { ...quiet, interrupted: 'SIGINT' }))).toMatchObject({
      kind: 'interrupted',
      message: 'the run was interrupted (SIGINT) during units 2000–3000; the samples before it are kept',
    });
    expect(errorOf(recoveredOutcome(FILE, outOfHeap, started, { ...quiet, hungAfterMs: 4000 }))).toMatchObject({
      kind: 'hung',
      message: 'no reading for 4 s during units 2000–3000; the process was killed',
    });
    expect(errorOf(recoveredOutcome(FILE, outOfHeap, started, quiet))).toMatchObject({
      kind: 'heap-exhausted',
      message: 'V8 ran out of heap (--heap-cap 1536 MB, V8 heap limit 1536 MB) during units 2000–3000',
    });
    const threw = end({ logTail: 'at step (x.ts:3)\nTypeError: x is not a function\n    at y' });
    expect(errorOf(recoveredOutcome(FILE, threw, started, quiet))?.message).toBe(
      'the audit process exited with code 1 (TypeError: x is not a function) during units 2000–3000, without reporting',
    );
  });

  it('says "before its first reading" when it had not begun a window', () => {
    const early = { ...started, samples: [], lastWindow: null };
    expect(errorOf(recoveredOutcome(FILE, undefined, early, { ...quiet, hungAfterMs: 60_000 }))).toEqual({
      kind: 'hung',
      message: 'no reading for 60 s before its first reading; the process was killed',
    });
  });

  it('is a load error when it never started its audit: not run if interrupted, else how it died', () => {
    expect(recoveredOutcome(FILE, undefined, neverStarted, { ...quiet, interrupted: 'SIGTERM' })).toEqual({
      loadError: { file: FILE, message: 'not run: the run was interrupted (SIGTERM) before it started' },
    });
    expect(recoveredOutcome(FILE, end({ exitCode: 7 }), neverStarted, quiet)).toEqual({
      loadError: { file: FILE, message: 'the audit process exited with code 7 before its audit started' },
    });
    expect(recoveredOutcome(FILE, undefined, neverStarted, quiet)).toEqual({
      loadError: { file: FILE, message: 'not run' },
    });
  });
});
