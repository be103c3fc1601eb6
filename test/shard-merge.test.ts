import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/model/report.ts';
import { establishedGrowth } from '../src/report/advice.ts';
import { cli, cliAsync, RUN_TIMEOUT_MS, schemaErrors, type CliRun } from './support/cli.ts';

const verdicts = (report: AuditReport): Record<string, string> =>
  Object.fromEntries(report.audits.map((a) => [a.id, a.verdict]));

/**
 * The default audits, three times over (once whole, once as two shards side by side): minutes on 2
 * cores. fill-to-capacity is in again: a bound reached early no longer fails a run by chance.
 */
describe(
  'npm run audit --shard 1/2, --shard 2/2, then --merge-reports: the same run as one unsharded',
  { timeout: 600_000 },
  () => {
    // No diagnosis: it does not change a verdict, and would double the time.
    let whole: CliRun;
    const cacheDir = mkdtempSync(join(tmpdir(), 'leak-audit-cache-'));
    beforeAll(() => {
      whole = cli(['--no-diagnose'], { cacheDir });
    }, RUN_TIMEOUT_MS);

    it('measures the whole planted set on a machine with no record, and records it', () => {
      const { calibration, audits } = whole.report();
      expect(calibration).toMatchObject({ source: 'measured', why: 'no record of it on this machine yet' });
      expect(calibration?.recordFile).toMatch(new RegExp(`^${cacheDir}/calibration-[0-9a-f]{16}\\.json$`));
      expect(audits.filter((a) => a.role === 'calibration').length).toBeGreaterThan(20);
      expect(whole.stdout).toMatch(/^Calibration: all (\d+) planted subjects got the verdict their truth predicts/m);
    });

    it('then reuses the record beside its sentinels, and says whose record it trusts', () => {
      const next = cli(['audits/controllers/classical-bounded.audit.ts', '--no-diagnose'], { cacheDir });
      expect(next.status).toBe(0);
      const report = next.report();
      expect(report.calibration).toMatchObject({
        source: 'recorded',
        sentinels: ['calibration-garbage', 'calibration-slow-leak'],
        record: { recordedAt: whole.report().generatedAt },
      });
      expect(report.audits.map((a) => a.id).sort()).toEqual([
        'calibration-garbage',
        'calibration-slow-leak',
        'classical-smc-bounded-soak',
        'noise-floor-no-op',
        'noise-floor-no-op-cycle',
      ]);
      expect(schemaErrors(report)).toEqual([]);
      expect(next.stdout).toMatch(
        /^Calibration: all \d+ planted subjects got the verdict .* in a run recorded \d{4}-/m,
      );
      // The calibration table still lists every planted subject, the recorded ones dated.
      const recordedRows = next.markdown().match(/^\| calibration-[^|]+\|[^\n]*recorded \d{4}-/gm) ?? [];
      const planted = whole.report().audits.filter((a) => a.role === 'calibration').length;
      expect(recordedRows.length).toBe(planted - 2);
    });

    it('gives every calibration subject its expected verdict, and no clean subject a growth finding (P1)', () => {
      const report = whole.report();
      expect(report.audits.filter((a) => !a.expectationMet).map((a) => a.id)).toEqual([]);
      const established = report.audits.filter((a) => a.expect === 'clean' && establishedGrowth(a, report.noiseFloor));
      expect(established.map((a) => `${a.id} ${a.slope.ci.join('..')}`)).toEqual([]);
    });

    it('splits the default audits into two disjoint parts whose merge has the unsharded audit set and verdicts', async () => {
      expect(whole.status).toBe(0);
      const shards = await Promise.all(
        [1, 2].map((i) => cliAsync(['--no-diagnose', '--jobs', '1', '--shard', `${i}/2`])),
      );
      const [first, second] = shards.map((s) => s.report());
      expect(first!.run.shard).toEqual({ index: 1, count: 2 });
      const ids = shards.map((s) => s.report().audits.map((a) => a.id));
      expect(ids[0]!.filter((id) => ids[1]!.includes(id))).toEqual([]);
      expect(Math.min(ids[0]!.length, ids[1]!.length)).toBeGreaterThan(0);

      const merged = cli(['--merge-reports', ...shards.map((s) => s.out)]);
      expect(merged.stderr).not.toMatch(/leak-audit: /);
      expect(merged.status).toBe(0);
      const report = merged.report();
      expect(report.audits.map((a) => a.id)).toEqual(whole.report().audits.map((a) => a.id));
      expect(verdicts(report)).toEqual(verdicts(whole.report()));
      expect(report.summary).toEqual(whole.report().summary);
      expect(report.noiseFloor?.auditId).toBe('noise-floor-no-op');
      expect(report.run.parts?.map((p) => p.audits)).toEqual([first!.audits.length, second!.audits.length]);
      expect(schemaErrors(report)).toEqual([]);
      for (const file of ['audit-report.md', 'audit-report.html', 'junit.xml', 'pr-comment.md'])
        expect(existsSync(join(merged.out, file))).toBe(true);
      expect(merged.markdown()).toMatch(/\| Part of run \| merged from 2 reports \(shard 1\/2, shard 2\/2\) \|/);
      expect(report.calibration).toMatchObject({ source: 'measured', why: 'the 2 shards measured the whole set' });
    });
  },
);
