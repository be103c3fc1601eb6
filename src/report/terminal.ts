import { Chalk, type ChalkInstance } from 'chalk';
import { getBorderCharacters, table, type TableUserConfig } from 'table';
import { stripVTControlCharacters } from 'node:util';
import { oneLine } from './escape.ts';
import { floorInAnotherShard, partOfRun } from './assemble.ts';
import { countGrowth } from './advice.ts';
import {
  calibrationNote,
  expectationMark,
  outputs,
  PROGRAM_FLOOR_NOTE,
  slopeQualifier,
  unitsDone,
  unmetEntries,
  warmupText,
  watchedDescriptions,
  watchedProgram,
  workloadLabel,
} from './sections.ts';
import type { AuditEntry, GatedReport } from '../model/report.ts';
import { formatBytes, formatInterval, formatRate, formatRateWithCi } from '../format.ts';

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function terminalChalk(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  const enabled = stream.isTTY === true && !process.env['NO_COLOR'];
  return new Chalk({ level: enabled ? 1 : 0 });
}

/** Below this, even the narrowest table is not worth drawing: ids alone would not fit. */
const MIN_WIDTH = 40;

/**
 * How wide the summary may be: the terminal's width, or `COLUMNS` when the output is piped and it is set;
 * otherwise no limit, so a CI log keeps one line per audit and per message, for grep.
 */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout, env = process.env): number {
  const columns = stream.isTTY === true && stream.columns > 0 ? stream.columns : Number(env['COLUMNS']);
  return Number.isInteger(columns) && columns > 0 ? Math.max(columns, MIN_WIDTH) : Infinity;
}

function verdictCell(entry: AuditEntry, c: ChalkInstance): string {
  const text = entry.verdict.toUpperCase();
  return entry.verdict === 'pass' ? c.green(text) : entry.verdict === 'fail' ? c.red(text) : c.yellow(text);
}

function projectionCell(entry: AuditEntry): string {
  if (entry.verdict === 'error' && entry.samples.length < 2) return '-';
  const heap = formatBytes(entry.projection.heapBytes, true);
  const off =
    Math.abs(entry.projection.offHeapBytes) >= 1 ? ` (+off-heap ${formatBytes(entry.projection.offHeapBytes)})` : '';
  return `${heap}${off}`;
}

const colourOfMark = {
  '✓': (c: ChalkInstance) => c.green('✓'),
  '✗': (c: ChalkInstance) => c.red('✗'),
  '~': (c: ChalkInstance) => c.yellow('~'),
} as const;

interface Column {
  readonly header: string;
  readonly cell: (e: AuditEntry, report: GatedReport, c: ChalkInstance) => string;
}

/** The summary table's columns, in the order they are shown. */
const COLUMNS: readonly Column[] = [
  { header: 'audit', cell: (e) => e.id },
  { header: 'workload', cell: workloadLabel },
  { header: 'steps', cell: unitsDone },
  {
    header: 'warm-up',
    cell: (e) => (e.samples.length > 1 ? warmupText(e, '@') : '-'),
  },
  {
    header: 'heap slope B/unit [99% CI]',
    cell: (e) =>
      e.samples.length > 1 ? `${formatRateWithCi(e.slope.bytesPerUnit, e.slope.ci)}${slopeQualifier(e, ' /')}` : '-',
  },
  {
    header: 'off-heap B/unit',
    cell: (e) =>
      e.samples.length > 1 && e.memory !== 'rss' ? formatRateWithCi(e.offHeap.bytesPerUnit, e.offHeap.ci) : '-',
  },
  { header: 'at horizon', cell: projectionCell },
  { header: 'verdict', cell: (e, _, c) => verdictCell(e, c) },
  { header: 'expected', cell: (e, report, c) => `${e.expect} ${colourOfMark[expectationMark(e, report)](c)}` },
];

/** Columns left out, one more at a time, until the table fits: what a reader misses least goes first. */
const DROPPED_FIRST = ['workload', 'steps', 'warm-up', 'off-heap B/unit', 'at horizon'];

/** The slope without its interval, for the narrowest layout (the interval is in the reports). */
const SLOPE_ALONE: Column = {
  header: 'heap B/unit',
  cell: (e) => (e.samples.length > 1 ? `${formatRate(e.slope.bytesPerUnit)}${slopeQualifier(e, ' /')}` : '-'),
};

const BOXED: TableUserConfig = { drawHorizontalLine: (i, n) => i === 0 || i === 1 || i === n };
const BARE: TableUserConfig = {
  border: getBorderCharacters('void'),
  columnDefault: { paddingLeft: 0, paddingRight: 2 },
  drawHorizontalLine: () => false,
};

const widest = (text: string): number =>
  Math.max(0, ...text.split('\n').map((line) => stripVTControlCharacters(line).length));

/**
 * The table of the audits a reader must see: every subject, and any planted one (calibration, noise
 * floor) that did not get its expected verdict; the planted ones that did are a line below it. The
 * first layout that fits in `width`: every column, then fewer (DROPPED_FIRST), then no borders, then
 * the slope without its interval, then ids cut with an ellipsis.
 */
function auditTable(audits: readonly AuditEntry[], report: GatedReport, c: ChalkInstance, width: number): string {
  const render = (columns: readonly Column[], config: TableUserConfig, id = (text: string) => text) =>
    table(
      [
        columns.map((col) => c.bold(col.header)),
        ...audits.map((e) => columns.map((col, i) => (i === 0 ? id(col.cell(e, report, c)) : col.cell(e, report, c)))),
      ],
      config,
    )
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd();
  const fewest = COLUMNS.filter((col) => !DROPPED_FIRST.includes(col.header));
  const layouts: [readonly Column[], TableUserConfig][] = [
    ...DROPPED_FIRST.map((_, dropped): [readonly Column[], TableUserConfig] => [
      COLUMNS.filter((col) => !DROPPED_FIRST.slice(0, dropped).includes(col.header)),
      BOXED,
    ]),
    [fewest, BOXED],
    [fewest, BARE],
  ];
  for (const [columns, config] of layouts) {
    const text = render(columns, config);
    if (widest(text) <= width) return text;
  }
  const narrowest = fewest.map((col) => (col.header.startsWith('heap slope') ? SLOPE_ALONE : col));
  let text = render(narrowest, BARE);
  const idWidth = Math.max(...audits.map((e) => e.id.length));
  for (let cut = idWidth - (widest(text) - width); widest(text) > width && cut >= 8; cut--) {
    text = render(narrowest, BARE, (id) => (id.length > cut ? `${id.slice(0, cut - 1)}…` : id));
  }
  return text;
}

/**
 * `text` in lines of at most `width` columns, broken between words (a word longer than a line is cut);
 * continuation lines keep the text's own indentation, and `indent` more.
 */
export function wrap(text: string, columns: number, indent = '  '): string[] {
  if (!Number.isFinite(columns) || text.length <= columns) return [text];
  const width = Math.max(1, Math.floor(columns));
  const lead = /^ */.exec(text)![0];
  const more = lead.length + indent.length < width / 2 ? lead + indent : '';
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() === '') line += word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = more + word;
    }
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = more + line.slice(width);
    }
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** A failing audit's top finding, and its fix, as two lines' worth of text: what the reader acts on first. */
function topFinding(e: AuditEntry): string[] {
  const d = e.diagnosis;
  if (!d) return [];
  const f = d.findings[0];
  if (!f) return d.unretained ? [`  grows: ${oneLine(d.unretained)}`] : [];
  const unit = e.slope.unit;
  return [
    `  grows: ${f.kind} ${oneLine(f.what)} at ${oneLine(f.retainerPath)}, ${countGrowth(f, unit)}, ${formatRate(f.growthPerUnit.bytes)} B/${unit}${d.findings.length > 1 ? ` (and ${d.findings.length - 1} more in the report)` : ''}`,
    `  fix: ${oneLine(f.suggestion)}`,
  ];
}

/**
 * The summary: the audits a reader must see, the noise floor and calibration, then each audit that did
 * not get its expected verdict or that fails as expected, with its top finding and fix, and the outcome
 * last. No line wider than `width` (terminalWidth).
 */
export function renderSummary(report: GatedReport, c: ChalkInstance, width = Infinity): string {
  const fit = Math.max(width, MIN_WIDTH);
  const out: string[] = [];
  const say = (text: string, colour: (s: string) => string = (s) => s) =>
    out.push(...wrap(text, fit).map((line) => colour(line)));
  const shown = report.audits.filter((e) => e.role === 'subject' || expectationMark(e, report) !== '✓');
  if (shown.length > 0) out.push(auditTable(shown, report, c, fit).trimEnd());
  const nf = report.noiseFloor;
  if (nf) {
    say(
      `Noise floor (no-op audits): ${formatInterval(nf.heapCi)} B/step heap${nf.cycle ? `, ${formatInterval(nf.cycle.heapCi)} B/cycle` : ''}; budgets at or below the floor are refused.`,
    );
  } else if (floorInAnotherShard(report)) {
    say(
      'Noise floor: measured by another shard; budgets are checked against it when the shards are merged (--merge-reports).',
    );
  } else if (watchedProgram(report)) {
    for (const d of watchedDescriptions(report)) say(`Watched: ${oneLine(d)}`);
    say(`Noise floor: ${PROGRAM_FLOOR_NOTE}.`);
  } else say('Noise floor: unknown (the no-op audit did not produce a slope).', c.yellow);
  if (report.calibration !== undefined || report.audits.some((e) => e.role === 'calibration')) {
    const note = calibrationNote(report);
    say(note, note.startsWith('Calibration failed') ? c.red : undefined);
  }
  // The planted subjects' output (a logger's, by design) is in the reports; the terminal names the audits it shows.
  const written = outputs(shown);
  if (written.length > 0) say(`Subject output, kept out of the measured heap: ${oneLine(written.join('; '))}`);
  const { gate } = report;
  for (const e of unmetEntries(report)) {
    say(`✗ ${e.id}: expected ${e.expect}, got ${e.verdict}. ${oneLine(e.reasons.join('; '))}`.trimEnd(), c.red);
    for (const line of topFinding(e)) say(line);
  }
  for (const e of report.audits.filter((a) => gate.accepted.includes(a.id))) {
    say(`~ ${e.id}: ${e.verdict}, accepted by the allowlist. ${oneLine(e.reasons.join('; '))}`.trimEnd(), c.yellow);
    for (const line of topFinding(e)) say(line);
  }
  for (const e of report.audits.filter((a) => gate.expectedLeaks.includes(a.id) && a.diagnosis?.findings.length)) {
    say(`✓ ${e.id}: leaks, as its audit expects.`);
    for (const line of topFinding(e)) say(line);
  }
  for (const message of gate.notRun) say(`not run: ${oneLine(message)}`, c.red);
  const colour = gate.outcome === 'pass' ? c.green : gate.outcome === 'fail' ? c.red : c.yellow;
  const part = partOfRun(report);
  const last = wrap(
    `${gate.outcome.toUpperCase()}: ${oneLine(gate.why)}, in ${(report.run.wallMs / 1000).toFixed(1)} s${part ? ` (${part})` : ''}.`,
    fit,
  );
  // The outcome's word in bold and its colour, the rest plain, as before.
  out.push(
    last[0]!.replace(/^[A-Z]+/, (word) => colour(c.bold(word))),
    ...last.slice(1),
  );
  return out.join('\n');
}
