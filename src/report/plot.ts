import { formatBytes, formatCount } from '../format.ts';
import type { AuditEntry } from '../model/report.ts';
import { escapeMarkup } from './escape.ts';

/** Plot geometry, in SVG user units (the SVG scales to its container). */
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { left: 64, right: 12, top: 12, bottom: 36 };
/** Approximate width of one 11-px legend character, and the gap between legend entries. */
const LEGEND_CHAR_WIDTH = 6;
const LEGEND_GAP = 14;
const SERIES = [
  { key: 'heapUsed', label: 'heapUsed', color: '#1f6feb' },
  { key: 'external', label: 'external', color: '#d97706' },
  { key: 'rss', label: 'rss', color: '#6b7280' },
] as const;

/**
 * One audit's memory against steps as an inline SVG: heapUsed, external and rss after each forced GC,
 * the warm-up shaded, and the fitted steady-state heap line drawn from the cut to the last reading.
 */
export function memoryPlot(e: AuditEntry): string {
  const samples = e.samples;
  if (samples.length < 2) return `<p class="no-plot">No plot: ${samples.length} reading(s).</p>`;
  const xMax = Math.max(...samples.map((s) => s.at)) || 1;
  const values = samples.flatMap((s) => SERIES.map((series) => s[series.key]));
  const yMax = Math.max(...values) * 1.05 || 1;
  const x = (at: number) => MARGIN.left + (at / xMax) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (bytes: number) => HEIGHT - MARGIN.bottom - (bytes / yMax) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const lines = SERIES.map(
    (series) =>
      `<polyline class="series ${series.key}" fill="none" stroke="${series.color}" stroke-width="1.5" points="${samples.map((s) => `${x(s.at).toFixed(1)},${y(s[series.key]).toFixed(1)}`).join(' ')}"/>`,
  );
  const scale = e.workload === 'batch' ? e.instances : 1;
  const cutAt = e.warmup.steps;
  const cutLevel = samples[0]!.heapUsed + e.warmup.bytes;
  const fitEnd = cutLevel + e.slope.bytesPerUnit * scale * (xMax - cutAt);
  const fit = `<line class="fit" x1="${x(cutAt).toFixed(1)}" y1="${y(cutLevel).toFixed(1)}" x2="${x(xMax).toFixed(1)}" y2="${y(fitEnd).toFixed(1)}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="5 3"/>`;
  const warmup = `<rect class="warmup" x="${x(0).toFixed(1)}" y="${MARGIN.top}" width="${Math.max(0, x(cutAt) - x(0)).toFixed(1)}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}" fill="#fde68a" fill-opacity="0.5"/>`;
  const axes = [
    `<line x1="${MARGIN.left}" y1="${HEIGHT - MARGIN.bottom}" x2="${WIDTH - MARGIN.right}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`,
    `<text x="${MARGIN.left - 4}" y="${MARGIN.top + 10}" text-anchor="end" font-size="11">${escapeMarkup(formatBytes(yMax))}</text>`,
    `<text x="${MARGIN.left - 4}" y="${HEIGHT - MARGIN.bottom}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${WIDTH - MARGIN.right}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="end" font-size="11">${escapeMarkup(formatCount(xMax))} ${e.workload === 'churn' ? 'cycles' : 'steps'}</text>`,
  ];
  let legendX = MARGIN.left;
  const legend = [
    ...SERIES.map((s) => [s.label, s.color] as const),
    ['fitted heap slope', '#dc2626'] as const,
    ['warm-up', '#f59e0b'] as const,
  ].map(([label, color]) => {
    const text = `<text x="${legendX}" y="${HEIGHT - 8}" font-size="11" fill="${color}">${escapeMarkup(label)}</text>`;
    legendX += label.length * LEGEND_CHAR_WIDTH + LEGEND_GAP;
    return text;
  });
  const title = `${e.id}: memory after forced GC against ${e.workload === 'churn' ? 'cycles' : 'steps'}`;
  return [
    `<svg class="plot" data-audit="${escapeMarkup(e.id)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeMarkup(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeMarkup(title)}</title>`,
    warmup,
    ...axes,
    ...lines,
    fit,
    ...legend,
    '</svg>',
  ].join('\n');
}
