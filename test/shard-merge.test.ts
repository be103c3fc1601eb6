import { existsSync } from 'node:fs';
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
    beforeAll(() => {
      whole = cli(['--no-diagnose']);
    }, RUN_TIMEOUT_MS);

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
    });
  },
);
