import { describe, expect, it } from 'vitest';
import { parseCli, parseShard } from '../src/cli/args.ts';
import { concurrencyOf } from '../src/cli/concurrency.ts';
import { mergeReports, type LoadedReport } from '../src/report/merge.ts';
import type { AuditEntry, AuditReport } from '../src/model/report.ts';
import { entry, reportOf } from './support/report.ts';

describe('concurrency', () => {
  it('counts, for each audit, the most audits running at once while it ran', () => {
    // a: 0–10, b: 2–5, c: 4–8 (a, b and c overlap at 4), d: 8–12 (starts as c ends), e never started.
    const runs = [{ start: 0, end: 10 }, { start: 2, end: 5 }, { start: 4, end: 8 }, { start: 8, end: 12 }, undefined];
    expect(concurrencyOf(runs)).toEqual([3, 3, 3, 2, 1]);
  });

  it('is 1 for audits that ran one after another', () => {
    expect(
      concurrencyOf([
        { start: 5, end: 9 },
        { start: 0, end: 5 },
      ]),
    ).toEqual([1, 1]);
  });
});

describe('--shard', () => {
  it('parses I/N and refuses what is not a part of a whole', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3'])
      expect(() => parseShard(bad)).toThrow(/--shard: expected I\/N/);
  });

  it('cannot be combined with --baseline, which compares the whole run', () => {
    expect(() => parseCli(['--shard', '1/2', '--baseline', 'main.json'])).toThrow(/give it to --merge-reports/);
  });

  it('--merge-reports takes report folders and refuses options that shape a run', () => {
    expect(parseCli(['--merge-reports', 'a', 'b']).paths).toEqual(['a', 'b']);
    expect(() => parseCli(['--merge-reports'])).toThrow(/needs the report folders/);
    expect(() => parseCli(['--merge-reports', 'a', '--steps', '1e5', '--shard', '1/2'])).toThrow(
      /--steps, --shard cannot be used with it/,
    );
  });
});

/** A shard's report: its audits, and the run facts a merge reads. */
function shardReport(
  index: number,
  count: number,
  audits: AuditEntry[],
  run: Partial<AuditReport['run']> = {},
): LoadedReport {
  const report = reportOf(audits);
  return {
    file: `/ci/shard-${index}/audit-report.json`,
    report: { ...report, run: { ...report.run, shard: { index, count }, ...run } },
  };
}

const noop = entry('noise-floor-no-op', {
  role: 'noise-floor',
  file: '/repo/audits/noise-floor/noise-floor.audit.ts',
  slope: { bytesPerUnit: 0.01, bytesPerStep: 0.01, ci: [-0.02, 0.05], unit: 'step', verdict: 'pass' },
});
const bounded = entry('classical-bounded', { file: '/repo/audits/classical-bounded.audit.ts' });
const tightBudget = entry('sta-bounded', {
  file: '/repo/audits/sta-bounded.audit.ts',
  budget: { bytesPerUnit: 0.04, source: 'audit' },
});
const legacy = entry('classical-legacy', {
  file: '/repo/audits/classical-legacy.audit.ts',
  expect: 'leak',
  verdict: 'fail',
});

describe('mergeReports', () => {
  it("lists every shard's audits in file order, with the run-wide facts computed over the whole", () => {
    const merged = mergeReports([
      shardReport(2, 2, [bounded, legacy], { wallMs: 40_000, peakConcurrency: 2 }),
      shardReport(1, 2, [noop, tightBudget], { wallMs: 55_000, peakConcurrency: 1 }),
    ]);
    expect(merged.audits.map((a) => a.id)).toEqual([
      'classical-bounded',
      'classical-legacy',
      'noise-floor-no-op',
      'sta-bounded',
    ]);
    expect(merged.summary).toMatchObject({
      audits: 4,
      expectationsMet: 4,
      byVerdict: { pass: 3, fail: 1, inconclusive: 0, error: 0 },
    });
    expect(merged.noiseFloor).toMatchObject({ auditId: 'noise-floor-no-op', heapBytesPerStep: 0.05 });
    // Shard 2 had no floor to check sta-bounded's budget against; the merge does.
    expect(merged.summary.configErrors).toEqual([
      expect.stringMatching(/audit "sta-bounded": budget 0\.0400 B\/step is at or below the noise floor/),
    ]);
    expect(merged.run).toMatchObject({ shard: null, wallMs: 55_000, peakConcurrency: 2 });
    expect(merged.run.parts!.map((p) => p.shard)).toEqual([
      { index: 2, count: 2 },
      { index: 1, count: 2 },
    ]);
  });

  it('says which shards are missing or given twice, and when the parts are not one run', () => {
    const errors = (parts: LoadedReport[]): readonly string[] => mergeReports(parts).summary.configErrors;
    expect(errors([shardReport(1, 3, [noop])])).toEqual([expect.stringMatching(/^shards 2\/3, 3\/3 missing/)]);
    expect(errors([shardReport(1, 2, [noop]), shardReport(1, 2, [bounded]), shardReport(2, 2, [legacy])])).toEqual([
      expect.stringMatching(/^shard 1\/2 is given twice/),
    ]);
    expect(errors([shardReport(1, 2, [noop]), shardReport(2, 2, [bounded], { commit: 'def5678' })])).toEqual([
      expect.stringMatching(/differ in run\.commit \("abc1234", "def5678"\)/),
    ]);
    expect(errors([shardReport(1, 2, [noop]), shardReport(2, 3, [bounded])])).toEqual([
      expect.stringMatching(/not the shards of one run/),
    ]);
    expect(errors([shardReport(1, 2, [noop, bounded]), shardReport(2, 2, [bounded])])).toEqual([
      expect.stringMatching(/audit id "classical-bounded" is declared twice/),
    ]);
  });
});
