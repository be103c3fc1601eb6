import { describe, expect, it } from 'vitest';
import { reportAdvice, retainedBy } from '../src/report/advice.ts';
import { entry, gated, reportOf } from './support/report.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { score } from '../src/report/score.ts';
import { warmupText } from '../src/report/sections.ts';

const leaking = entry('legacy', {
  verdict: 'fail',
  slope: { bytesPerUnit: 61, bytesPerStep: 61, ci: [55, 68], unit: 'step', verdict: 'fail' },
  projection: {
    horizon: '10 h',
    units: 1.8e8,
    heapBytes: 61 * 1.8e8,
    heapCi: [0, 0],
    offHeapBytes: 0,
    offHeapCi: [0, 0],
  },
});

describe('score', () => {
  it('is a weighted share of measured facts whose rows add up to the total', () => {
    const s = score([
      entry('bounded'),
      leaking,
      entry('cal', { role: 'calibration', expect: 'leak', verdict: 'fail' }),
    ]);
    const steady = s.categories.find((c) => c.name === 'Steady state')!;
    expect(steady).toMatchObject({ applicable: 2, passed: 1, points: 17.5 });
    // No churn audits: those categories are left out and the total is scaled to the weights counted.
    expect(s.weightCounted).toBe(70);
    const points = s.categories.reduce((sum, c) => sum + c.points, 0);
    expect(s.total).toBeCloseTo((100 * points) / 70, 10);
    expect(s.total).toBeCloseTo((100 * (17.5 + 15 + 20)) / 70, 10);
  });
});

describe('findings', () => {
  it('ranks a failing budget P0 with a fix, and ignores calibration subjects', () => {
    const list = reportAdvice(
      [entry('bounded'), leaking, entry('cal', { role: 'calibration', verdict: 'fail' })],
      null,
    );
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ priority: 'P0', auditId: 'legacy' });
    expect(list[0]!.what).toMatch(/heap grows 61\.0 B\/step \[55\.0, 68\.0\]/);
    expect(list[0]!.suggestion).toMatch(/RingBuffer/);
  });

  it('reports handles left behind and large warm-ups', () => {
    const churn = entry('churn', {
      workload: 'churn',
      handles: { leftBehind: { Timeout: 3 }, total: 3, ok: true },
      warmup: { steps: 1000, bytes: 20 * 2 ** 20, settled: true },
    });
    expect(reportAdvice([churn], null).map((f) => f.priority)).toEqual(['P1', 'P2']);
  });

  it('reports growth within budget (P1) only when it is established: above the floor, past its warm-up', () => {
    const growing = (id: string, ci: [number, number], warmupBytes: number, workload: 'soak' | 'churn' = 'soak') =>
      entry(id, {
        workload,
        slope: { bytesPerUnit: (ci[0] + ci[1]) / 2, bytesPerStep: ci[0], ci, unit: 'step', verdict: 'pass' },
        warmup: { steps: 100_000, bytes: warmupBytes, settled: true },
      });
    const floor = {
      auditId: 'noise-floor-no-op',
      heapBytesPerStep: 0.004,
      offHeapBytesPerStep: 0,
      heapCi: [0, 0.004] as const,
      cycle: { auditId: 'noise-floor-no-op-cycle', heapBytesPerCycle: 9, heapCi: [0, 9] as const },
    };
    const p1 = (e: ReturnType<typeof entry>) => reportAdvice([e], floor).some((f) => f.priority === 'P1');
    // A slow within-budget leak: 0.2 B/step over 900 000 steady steps is 180 KB, past a 100 KB warm-up.
    expect(p1(growing('slow', [0.2, 0.25], 100_000))).toBe(true);
    // An async step settling by 12 KB after a 130 KB warm-up (measured): 0.0116 x 900 000 < 130 KB.
    expect(p1(growing('settling', [0.0116, 0.0131], 130_000))).toBe(false);
    // Above the budget's resolution, but inside the no-op's interval.
    expect(p1(growing('noise', [0.003, 0.01], 0))).toBe(false);
    // A churn is held to the no-op cycle audit's floor (9 B/cycle here): 5.5 B/cycle at its low end is noise.
    expect(p1(growing('churn', [5.5, 148], 0, 'churn'))).toBe(false);
    expect(p1(growing('churn-leak', [20, 30], 0, 'churn'))).toBe(true);
  });

  it('reports a large one-time rise off the heap too (a 2 GiB buffer pool showed in no finding)', () => {
    const pool = entry('pool', { offHeap: { ...entry('pool').offHeap, warmupBytes: 2 * 2 ** 30 } });
    const [advice] = reportAdvice([pool], null);
    expect(advice).toMatchObject({ priority: 'P2', auditId: 'pool' });
    expect(advice!.what).toMatch(/^large one-time off-heap warm-up: 2\.00 GiB/);
  });

  it('calls no growth from the first readings a warm-up, in the tables or the findings', () => {
    // An rxjs Subject's unended subscriptions, watched: 6.58 MiB before the latest cut searched.
    const leak = entry('rxjs-leak', {
      verdict: 'fail',
      warmup: { steps: 15, bytes: 6.58 * 2 ** 20, settled: true, throughout: true },
    });
    expect(warmupText(leak, '@')).toBe('none: grows from the start');
    expect(reportAdvice([leak], null).map((a) => a.what)).not.toContainEqual(expect.stringMatching(/warm-up/));
    const warm = entry('warm', { warmup: { steps: 15, bytes: 20 * 2 ** 20, settled: true } });
    expect(warmupText(warm, 'by')).toBe('20.0 MiB by 15');
    expect(reportAdvice([warm], null)[0]!.what).toMatch(/^large one-time warm-up: 20\.0 MiB/);
  });

  it('does not tell an errored audit to use --diagnose, which never diagnoses one', () => {
    const errored = entry('pid', { verdict: 'error', expectationMet: false, error: { kind: 'threw', message: 'x' } });
    expect(retainedBy(errored)).toBe('not diagnosed: an audit that errored (threw) is never diagnosed; fix that first');
    expect(retainedBy(entry('ok'))).toMatch(/--diagnose/);
  });
});

describe('markdown', () => {
  it('renders the CA-02 sections, and says so when calibration failed', () => {
    const md = renderMarkdown(
      gated(reportOf([leaking, entry('cal', { role: 'calibration', expect: 'leak', expectationMet: false })])),
    );
    for (const heading of [
      '# Memory audit report',
      '## Executive summary',
      '## Score',
      '## Subjects',
      '## Findings',
      '## Calibration',
      '## Method',
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toMatch(/\*\*Calibration failed\*\*: cal did not get the verdict/);
    expect(md).toContain('| cal | leak | PASS | **missed** |');
  });

  it('with a baseline, gives each audit its comparison in the subject table', () => {
    const comparison = {
      id: 'legacy',
      change: 'regressed' as const,
      slope: { baseline: 40, current: 61, unit: 'step' },
      warmup: { baseline: 0, current: 0 },
      message: 'legacy: heap slope regressed',
    };
    const report = {
      ...reportOf([leaking, entry('fresh'), entry('broken', { verdict: 'error' })]),
      baseline: { file: 'main.json', commit: 'abc', comparisons: [comparison], added: ['fresh'], removed: [] },
    };
    const rows = renderMarkdown(gated(report)).split('\n');
    expect(rows.find((l) => l.startsWith('| audit |'))).toMatch(/\| vs baseline, B\/unit \|$/);
    expect(rows.find((l) => l.startsWith('| legacy |'))).toMatch(/\| regressed: 40\.0 → 61\.0 \|$/);
    expect(rows.find((l) => l.startsWith('| fresh |'))).toMatch(/\| new \|$/);
    expect(rows.find((l) => l.startsWith('| broken |'))).toMatch(/\| not compared \(an error in one run\) \|$/);
    expect(renderMarkdown(gated(reportOf([leaking])))).not.toContain('vs baseline');
  });
});

describe('html', () => {
  it('is one self-contained page with a plot per audit and the verdicts', async () => {
    const { renderHtml } = await import('../src/report/html.ts');
    const html = renderHtml(gated(reportOf([{ ...leaking, expectationMet: false }, entry('bounded')])));
    expect(html.match(/<svg class="plot"/g)).toHaveLength(2);
    expect(html).toContain('data-audit="legacy"');
    expect(html).toMatch(/<strong id="overall" class="verdict-FAIL">Overall: FAIL\.<\/strong>/);
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});

describe('diagnosis in the reports', () => {
  const diagnosed = entry('legacy-dx', {
    verdict: 'fail',
    slope: { bytesPerUnit: 60, bytesPerStep: 60, ci: [55, 65] as const, unit: 'step', verdict: 'fail' },
    diagnosis: {
      status: 'done',
      note: null,
      snapshots: [
        { units: 1000, bytes: 1e7 },
        { units: 2000, bytes: 1.1e7 },
      ],
      findings: [
        {
          signature: 'collection:Array@subject.history.sigma',
          kind: 'collection',
          what: 'Array',
          retainerPath: 'subject.history.sigma',
          growthPerUnit: { count: 1, countEstimated: true, bytes: 8 },
          evidence: [
            { units: 1000, count: 1000, bytes: 8032 },
            { units: 2000, count: 2000, bytes: 16032 },
          ],
          suggestion: 'Bound it <now>.',
          accepted: { owner: 'controls', reason: 'CTL-12', expires: '2027-01-31' },
        },
      ],
      ms: 1500,
      keptSnapshots: [],
      allocationSites: [
        {
          function: 'computeControl',
          location: 'fixtures/controllers/classical-smc.ts:110',
          bytes: 86_800,
          bytesPerUnit: 86.8,
        },
      ],
      profileFile: 'reports/profiles/legacy-dx.heapprofile',
    },
  });

  it('names what grows, where it is held and who allocated it, alike in Markdown and HTML', async () => {
    const { renderHtml } = await import('../src/report/html.ts');
    const report = reportOf([diagnosed]);
    const md = renderMarkdown(gated(report));
    const html = renderHtml(gated(report));
    expect(md).toContain(
      '- collection **Array** at `subject.history.sigma`: +~1.000 elements/step, 8.000 B/step (1,000 at 1,000 → 2,000 at 2,000).',
    );
    expect(md).toContain('**Accepted by the allowlist until 2027-01-31 (controls: CTL-12).**');
    expect(md).toContain('- `computeControl` at fixtures/controllers/classical-smc.ts:110: 84.8 KiB, 86.8 B/step');
    expect(md).toMatch(/retained by: Array at `subject\.history\.sigma`, \+~1\.000 elements\/step/);
    expect(html).toContain('<code>subject.history.sigma</code>: +~1.000 elements/step');
    expect(html).toContain('Bound it &lt;now&gt;.');
    expect(html).toContain('<code>computeControl</code> at fixtures/controllers/classical-smc.ts:110');
  });
});

describe('progress', () => {
  const audit = { id: 'a', pid: 4242, done: 500_000, planned: 1_000_000, unit: 'steps' as const, rate: 250_000 };

  it('redraws a block in place on a terminal', async () => {
    const { progressReporter } = await import('../src/cli/progress.ts');
    const written: string[] = [];
    const p = progressReporter({ isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream);
    p.update([audit, { ...audit, id: 'b', done: 10 }]);
    p.update([audit]);
    p.done();
    expect(written[0]).toBe(
      '  running a: 500 k/1 M steps (250 k steps/s, at most 2 s to plan)\n  running b: warming up\n',
    );
    expect(written[1]).toBe('\x1b[2A\x1b[0J');
    expect(written.at(-1)).toBe('\x1b[1A\x1b[0J');
  });

  it('writes plain lines, at most every ten seconds, without a terminal', async () => {
    const { progressReporter } = await import('../src/cli/progress.ts');
    const written: string[] = [];
    let now = 0;
    const p = progressReporter(
      { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream,
      () => now,
    );
    p.update([audit]);
    now = 9_000;
    p.update([audit]);
    expect(written).toEqual([]);
    now = 11_000;
    p.update([audit]);
    now = 12_000;
    p.update([audit]);
    expect(written).toEqual(['[leak-audit 11 s] running: a: 500 k/1 M steps (250 k steps/s, at most 2 s to plan)\n']);
  });

  it('names each audit process when asked (--heapsnapshot-signal: the pid is what kill needs)', async () => {
    const { progressReporter } = await import('../src/cli/progress.ts');
    const written: string[] = [];
    const p = progressReporter(
      { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream,
      Date.now,
      true,
    );
    p.update([audit]);
    expect(written[0]).toBe('  running a (pid 4242): 500 k/1 M steps (250 k steps/s, at most 2 s to plan)\n');
  });
});
