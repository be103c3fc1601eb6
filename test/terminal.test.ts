import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/model/diagnosis.ts';
import { renderSummary, terminalWidth, wrap } from '../src/report/terminal.ts';
import { entry, gated, reportOf } from './support/report.ts';

const plain = new Chalk({ level: 0 });

const finding: Finding = {
  signature: 'collection:Array@subject.step→pid.trace',
  kind: 'collection',
  what: 'Array',
  retainerPath: 'subject.step→pid.trace',
  growthPerUnit: { count: 1.16, countEstimated: true, bytes: 9.312 },
  evidence: [
    { units: 100_000, count: 116_000, bytes: 931_200 },
    { units: 200_000, count: 232_000, bytes: 1_862_400 },
  ],
  suggestion:
    'Appended to every step and never trimmed: keep the last N entries in a fixed-size ring buffer (a preallocated Float64Array), or stop recording.',
};

/** What a user's run looks like: long ids, a failing audit with a diagnosis, planted subjects that passed. */
const report = gated(
  reportOf([
    entry('hybrid-adaptive-sta-smc-monte-carlo-batch-x50', { workload: 'batch', instances: 50 }),
    entry('pid-controller-with-a-long-descriptive-name', {
      verdict: 'fail',
      expectationMet: false,
      reasons: [
        'heap grows 9.312 B/step [9.1, 9.5] after a warm-up of 1.2 MiB, 25x the budget of 0.373 B/step: +33.5 MiB over 3.6 M steps x 50 instances',
      ],
      diagnosis: {
        status: 'done',
        note: null,
        snapshots: [],
        findings: [finding, finding],
        ms: 900,
        keptSnapshots: [],
        allocationSites: null,
        profileFile: null,
      },
      output: { bytes: 2048, droppedBytes: 0, log: 'reports/logs/a-very-long-path/to/the/subject/output.audit.ts.log' },
    }),
    entry('calibration-slow-leak', { role: 'calibration', expect: 'leak', verdict: 'fail' }),
    entry('noise-floor-no-op', { role: 'noise-floor' }),
  ]),
);

describe('the terminal summary', () => {
  it.each([80, 120])('fits %i columns: no line is wider', (width) => {
    const lines = renderSummary(report, plain, width).split('\n');
    expect(lines.filter((line) => line.length > width)).toEqual([]);
    // Every id the table shows is whole: the layout gave up columns before it cut an id.
    expect(lines.some((l) => l.includes('hybrid-adaptive-sta-smc-monte-carlo-batch-x50'))).toBe(true);
  });

  it('gives a failing audit its top finding and its fix, and leaves the planted subjects that passed to the report', () => {
    const text = renderSummary(report, plain, 120);
    expect(text).toMatch(
      /^ {2}grows: collection Array at subject\.step→pid\.trace, \+~1\.160 elements\/step, 9\.312 B\/step \(and 1 more in the report\)$/m,
    );
    expect(text).toMatch(/^ {2}fix: Appended to every step and never trimmed: keep the last N entries/m);
    expect(text).not.toContain('calibration-slow-leak');
    expect(text).not.toContain('noise-floor-no-op ');
  });

  it('without a width (CI), keeps one line per audit and per message, for grep', () => {
    const lines = renderSummary(report, plain).split('\n');
    expect(lines.filter((l) => l.includes('pid-controller-with-a-long-descriptive-name'))).toEqual([
      expect.stringMatching(/^║ pid-controller-with-a-long-descriptive-name .*│ FAIL +│ clean ✗ +║$/),
      expect.stringMatching(
        /^Subject output, kept out of the measured heap: pid-controller-with-a-long-descriptive-name: /,
      ),
      expect.stringMatching(
        /^✗ pid-controller-with-a-long-descriptive-name: expected clean, got fail\. heap grows .* instances$/,
      ),
      expect.stringMatching(/^FAIL: 3\/4 audits gave the verdict expected of them; pid-controller-with-a-long-desc/),
    ]);
  });

  it('at the narrowest, cuts ids rather than overflow', () => {
    const lines = renderSummary(report, plain, 50).split('\n');
    expect(lines.filter((line) => line.length > 50)).toEqual([]);
    expect(lines.some((l) => /^hybrid-adaptive-\S*… +0 +PASS/.test(l))).toBe(true);
  });

  it('takes its width from the terminal, or COLUMNS when piped, else none', () => {
    const tty = { isTTY: true, columns: 97 } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(terminalWidth(tty, { COLUMNS: '80' })).toBe(97);
    expect(terminalWidth(pipe, { COLUMNS: '80' })).toBe(80);
    expect(terminalWidth(pipe, {})).toBe(Infinity);
    expect(terminalWidth(pipe, { COLUMNS: 'wide' })).toBe(Infinity);
    // Narrower than any layout's least, it is read as that least.
    expect(terminalWidth(pipe, { COLUMNS: '10' })).toBe(40);
  });
});

describe('wrap', () => {
  it('breaks between words, indents what follows, and cuts a word longer than a line', () => {
    expect(wrap('one two three four', 9)).toEqual(['one two', '  three', '  four']);
    expect(wrap('  fix: keep the last N', 12)).toEqual(['  fix: keep', '    the last', '    N']);
    expect(wrap('a ../../very/long/path/that/cannot/break', 16)).toEqual([
      'a',
      '  ../../very/lon',
      '  g/path/that/ca',
      '  nnot/break',
    ]);
    expect(wrap('short', Infinity)).toEqual(['short']);
    expect(wrap('ab', 0)).toEqual(['a', 'b']);
  });
});
