import { describe, expect, it } from 'vitest';
import { annotations, PR_COMMENT_MAX_CHARS, renderPrComment } from '../src/report/github.ts';
import type { AuditEntry, AuditReport } from '../src/model/report.ts';
import { gated, regressionOf } from './support/report.ts';

const slope = { bytesPerUnit: 60, bytesPerStep: 60, ci: [55, 65] as const, unit: 'step', verdict: 'fail' };

/** Only the fields these renderers read. */
function entry(id: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    file: `/repo/audits/${id}.audit.ts`,
    expect: 'clean',
    verdict: 'fail',
    expectationMet: false,
    slope,
    offHeap: { ...slope, bytesPerUnit: 0, verdict: 'pass' },
    projection: { heapBytes: 1e10, horizon: '10 h x 50' },
    diagnosis: null,
    error: null,
    ...overrides,
  } as unknown as AuditEntry;
}

function report(audits: AuditEntry[], extra: Partial<AuditReport> = {}): AuditReport {
  return {
    summary: {
      audits: audits.length,
      expectationsMet: audits.filter((a) => a.expectationMet).length,
      configErrors: [],
    },
    run: { commit: 'abc1234' },
    baseline: null,
    allowlist: null,
    audits,
    ...extra,
  } as unknown as AuditReport;
}

describe('GitHub output', () => {
  it('annotates each unmet audit on its file, and each regression, escaping what GitHub needs escaped', () => {
    const r = report([entry('legacy, 50%'), entry('bounded', { verdict: 'pass', expectationMet: true })], {
      baseline: regressionOf('bounded', 'bounded: heap slope regressed'),
    });
    const lines = annotations(gated(r), '/repo');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^::error file=audits\/legacy%2C 50%25\.audit\.ts,title=leak-audit%3A legacy%2C 50%25::legacy, 50%25: FAIL, heap 60\.0+ B\/step/,
    );
    expect(lines[1]).toBe(
      '::error file=audits/bounded.audit.ts,title=leak-audit%3A bounded regressed::bounded: heap slope regressed',
    );
  });

  it('writes a compact PR comment that links the run, and stays under the comment limit', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'team/controls', GITHUB_RUN_ID: '42' };
    const text = renderPrComment(gated(report([entry('legacy')])), env);
    expect(text).toMatch(
      /^## leak-audit: FAIL\n\n0\/1 audits gave the verdict expected of them; legacy did not, at abc1234\./,
    );
    expect(text).toContain('| legacy | FAIL | clean | 60.0 B/step | not diagnosed');
    expect(text).toContain('[this run](https://github.com/team/controls/actions/runs/42)');
    const many = renderPrComment(
      gated(report(Array.from({ length: 2000 }, (_, i) => entry(`audit-${i}-${'x'.repeat(40)}`)))),
      env,
    );
    expect(many.length).toBeLessThanOrEqual(PR_COMMENT_MAX_CHARS);
    expect(many).toMatch(/cut to fit a comment/);
  });
});
