import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cacheDir,
  CACHE_DIR_ENV,
  disagreeingSentinels,
  harnessFingerprint,
  planCalibration,
  plantedPaths,
  provenanceDifferences,
  readRecord,
  SENTINEL_FILES,
  settleCalibration,
  writeRecord,
} from '../src/cli/calibration.ts';
import { CALIBRATION_DIR, discoverAuditFiles, NOISE_FLOOR_AUDIT } from '../src/cli/discover.ts';
import type { CalibrationProvenance, CalibrationRecord } from '../src/model/report.ts';
import { entry, reportOf } from './support/report.ts';

const provenance: CalibrationProvenance = {
  harness: '0.1.0+000000000000',
  node: 'v20.20.2',
  v8: '11.3.244.8-node.38',
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'AMD EPYC', memoryBytes: 25e9 },
  flags: { seed: 1, jobs: 2, heapCapMb: 1536, heapsnapshotSignal: false },
};
const record: CalibrationRecord = {
  recordedAt: '2026-12-06T10:08:10.143Z',
  provenance,
  subjects: [{ id: 'calibration-slow-leak', expect: 'leak', verdict: 'fail' }],
};
const auto = { calibration: 'auto', ci: false, shard: undefined } as const;
const emptyDir = () => mkdtempSync(join(tmpdir(), 'leak-audit-cache-test-'));
const withRecord = (r: CalibrationRecord = record) => {
  const dir = emptyDir();
  writeRecord(r, dir);
  return dir;
};

describe('the calibration plan', () => {
  it('reuses a record only when its whole provenance is this run’s, and then runs the two sentinels', () => {
    const plan = planCalibration(auto, () => provenance, withRecord());
    expect(plan).toMatchObject({ source: 'recorded', record, why: expect.stringContaining('2026-12-06 10:08 UTC') });
    expect(plantedPaths(plan)).toEqual(SENTINEL_FILES);
  });

  it('measures the whole set without a record, with an unreadable one, or when asked, in CI or in a shard', () => {
    const whole = (p: ReturnType<typeof planCalibration>) => [p.source, plantedPaths(p)];
    expect(whole(planCalibration(auto, () => provenance, emptyDir()))).toEqual(['measured', [CALIBRATION_DIR]]);
    const broken = withRecord();
    const file = readdirSync(broken).map((f) => join(broken, f))[0]!;
    writeFileSync(file, '{"recordedAt":"2026-12-06T10:08:10.143Z","subjects":[],"provenance":{"flags":{}}}');
    expect(planCalibration(auto, () => provenance, broken).why).toMatch(
      /could not be read: .*calibration-[0-9a-f]{16}\.json is not a calibration record: \/provenance\/flags must have required property 'seed'/,
    );
    const dir = withRecord();
    expect(planCalibration({ ...auto, calibration: 'full' }, () => provenance, dir)).toMatchObject({
      why: 'asked for (--calibrate)',
      keep: true,
    });
    // CI and shards measure in full and keep nothing: a gate's trust is not a file a cache may restore.
    expect(planCalibration({ ...auto, ci: true }, () => provenance, dir)).toMatchObject({
      source: 'measured',
      keep: false,
    });
    expect(planCalibration({ ...auto, shard: { index: 1, count: 2 } }, () => provenance, dir)).toMatchObject({
      source: 'measured',
      keep: false,
    });
    // --no-calibration does not even fingerprint the harness (a hash of its files, ~10 ms of each start).
    const unused = () => {
      throw new Error('the provenance of a run without calibration was computed');
    };
    expect(whole(planCalibration({ ...auto, calibration: 'none' }, unused, dir))).toEqual(['none', []]);
  });

  it('names what changed since the last record: another Node, harness or flag measures the whole set', () => {
    const now = { ...provenance, node: 'v20.21.0', flags: { ...provenance.flags, jobs: 1 } };
    expect(provenanceDifferences(provenance, now)).toEqual(['Node v20.20.2, now v20.21.0', '--jobs 2, now 1']);
    const dir = withRecord();
    const plan = planCalibration(auto, () => now, dir);
    expect(plan.source).toBe('measured');
    expect(plan.why).toBe(
      'the last record, of 2026-12-06 10:08 UTC, differs: Node v20.20.2, now v20.21.0; --jobs 2, now 1',
    );
    // Each provenance keeps its own record: going back to the first reuses it.
    writeRecord({ ...record, provenance: now }, dir);
    expect(planCalibration(auto, () => now, dir).source).toBe('recorded');
    expect(planCalibration(auto, () => provenance, dir).source).toBe('recorded');
  });

  it('fingerprints the harness: its version, and a hash that changes with any file of its code or subjects', () => {
    const root = mkdtempSync(join(tmpdir(), 'leak-audit-fingerprint-'));
    writeFileSync(join(root, 'package.json'), '{"version":"1.2.3"}');
    const before = harnessFingerprint(root);
    expect(before).toMatch(/^1\.2\.3\+[0-9a-f]{12}$/);
    expect(harnessFingerprint(root)).toBe(before);
    writeFileSync(join(root, 'package.json'), '{"version":"1.2.3" }');
    expect(harnessFingerprint(root)).not.toBe(before);
  });
});

describe('after the run', () => {
  const sentinel = (file: string, met: boolean) =>
    entry(file, { file, role: 'calibration', expectationMet: met, verdict: met ? 'pass' : 'fail' });

  it('a sentinel that missed, or did not run, disagrees with the record', () => {
    const [slowLeak, garbage] = SENTINEL_FILES as [string, string];
    expect(disagreeingSentinels([sentinel(slowLeak, true), sentinel(garbage, true)])).toEqual([]);
    expect(disagreeingSentinels([sentinel(slowLeak, true), sentinel(garbage, false)])).toEqual(['garbage']);
    expect(disagreeingSentinels([sentinel(garbage, true)])).toEqual(['slow-leak']);
  });

  it('records a whole set that ran whole and met every expectation, and nothing else', () => {
    const dir = emptyDir();
    const plan = planCalibration(auto, () => provenance, dir);
    const met = reportOf([sentinel('a.audit.ts', true), entry('noise', { role: 'noise-floor' })]);
    const settled = settleCalibration(plan, met, dir, ['a.audit.ts']);
    expect(settled).toMatchObject({ source: 'measured', recordFile: expect.stringMatching(/calibration-\w+\.json$/) });
    expect(readRecord(provenance, dir)).toEqual({
      recordedAt: met.generatedAt,
      provenance,
      subjects: [{ id: 'a.audit.ts', expect: 'clean', verdict: 'pass' }],
    });
    // A miss, or a planted file that did not run (it failed to load), records nothing.
    const other = emptyDir();
    const missed = reportOf([sentinel('a.audit.ts', false)]);
    expect(settleCalibration(plan, missed, other, ['a.audit.ts'])).toMatchObject({ record: null });
    expect(settleCalibration(plan, met, other, ['a.audit.ts', 'b.audit.ts'])).toMatchObject({
      record: null,
    });
    expect(readRecord(provenance, other)).toBeNull();
  });

  it('trusts a record only once its sentinels agreed: a run that ended first says so', () => {
    const dir = withRecord();
    const plan = planCalibration(auto, () => provenance, dir);
    const [slowLeak, garbage] = SENTINEL_FILES as [string, string];
    const agreed = reportOf([sentinel(slowLeak, true), sentinel(garbage, true)]);
    expect(settleCalibration(plan, agreed, dir)).toMatchObject({
      source: 'recorded',
      sentinels: [slowLeak, garbage],
    });
    const cut = reportOf([sentinel(slowLeak, true)]);
    expect(settleCalibration(plan, cut, dir)).toMatchObject({
      source: 'none',
      why: expect.stringMatching(/was not confirmed: the run ended before the sentinels garbage agreed$/),
    });
  });
});

describe('where records are kept', () => {
  it('in $LEAK_AUDIT_CACHE_DIR, else where the platform keeps a user’s caches', () => {
    expect(cacheDir({ [CACHE_DIR_ENV]: '/tmp/x' }, 'linux', '/home/u')).toBe('/tmp/x');
    expect(cacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/leak-audit');
    expect(cacheDir({ XDG_CACHE_HOME: '/c' }, 'linux', '/home/u')).toBe('/c/leak-audit');
    expect(cacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/leak-audit');
  });
});

describe('discovery', () => {
  it("a folder holding leak-audit's own planted subjects runs only those the calibration plan names", () => {
    const files = discoverAuditFiles(['audits'], SENTINEL_FILES);
    expect(files.filter((f) => f.startsWith(CALIBRATION_DIR))).toEqual([...SENTINEL_FILES].sort());
    expect(files).toContain(NOISE_FLOOR_AUDIT);
    expect(files.some((f) => f.includes('/audits/controllers/'))).toBe(true);
    // Named on its own, the planted folder runs whole.
    expect(discoverAuditFiles([CALIBRATION_DIR], []).length).toBeGreaterThan(20);
  });
});
