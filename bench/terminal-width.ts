/**
 * Does the terminal summary fit the terminal? (prints numbers, asserts nothing; test/terminal.test.ts
 * checks the rule on a synthetic report).
 *   npm run bench:terminal [-- REPORT.json] [--show WIDTH]
 * Renders the summary of a report (default reports/audit-report.json, the last `npm run audit`) at 80
 * and 120 columns and without a limit (as --ci prints it), and prints each one's widest line and length.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Chalk } from 'chalk';
import type { GatedReport } from '../src/model/report.ts';
import { renderSummary } from '../src/report/terminal.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { show: { type: 'string' } } });
const file = positionals[0] ?? 'reports/audit-report.json';
const report = JSON.parse(readFileSync(file, 'utf8')) as GatedReport;
if (!report.gate) throw new Error(`${file}: a report from before the run's outcome was recorded; run the audits again`);
const plain = new Chalk({ level: 0 });

for (const width of [80, 120, Infinity]) {
  const lines = renderSummary(report, plain, width).split('\n');
  const widest = Math.max(...lines.map((l) => l.length));
  const label = Number.isFinite(width) ? `${width} columns` : 'no limit (--ci)';
  console.log(`${label.padEnd(16)} widest line ${String(widest).padStart(4)}, ${lines.length} lines`);
  if (values.show !== undefined && String(width) === values.show) console.log(lines.join('\n'));
}
