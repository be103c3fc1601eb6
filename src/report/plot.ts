import { judgedHeap } from '../analysis/judge.ts';
import { formatBytes, formatCount } from '../format.ts';
import { instanceUnits } from '../model/audit.ts';
import type { AuditEntry } from '../model/report.ts';
import { escapeMarkup } from './escape.ts';
import { svgFigure } from './svg.ts';

/** Plot geometry, in SVG user units (the SVG scales to its container). */
const WIDTH = 640;
const MARGIN = { left: 70, right: 12 };
/** The heap panel, then one small panel each for off-heap and rss, so neither flattens the heap. */
const PANELS = { heap: { top: 8, height: 170 }, external: { top: 206, height: 44 }, rss: { top: 272, height: 44 } };
const HEIGHT = 344;
/** Ticks on the heap panel's axes. */
const TICKS = 4;
const COLORS = { heap: '#1f6feb', external: '#d97706', rss: '#6b7280', fit: '#dc2626', budget: '#16a34a' };

const x0 = MARGIN.left;
const x1 = WIDTH - MARGIN.right;
const f = (n: number) => n.toFixed(1);

/** A step of 1, 2 or 5 x 10^k that cuts `span` into about `count` parts. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

function ticks(low: number, high: number): number[] {
  const step = niceStep(high - low || 1, TICKS);
  const out: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high; t += step) out.push(t);
  return out;
}

/**
 * One audit's memory against steps (or cycles) as an inline SVG that answers one question: does it grow
 * faster than its budget allows? The main panel shows the judged heap (heapUsed without V8's code) on its
 * own scale, with labelled ticks: the warm-up shaded, the fitted steady slope, the budget as a cone from
 * the warm-up cut (the growth the budget allows either way over the rest of the run), and a plateau's
 * level. Off-heap (`external`) and rss each get a small panel of their own below it.
 */
export function memoryPlot(e: AuditEntry): string {
  const samples = e.samples;
  if (samples.length < 2) return `<p class="no-plot">No plot: ${samples.length} reading(s).</p>`;
  const unit = e.workload === 'churn' ? 'cycles' : 'steps';
  const xMax = Math.max(...samples.map((s) => s.at)) || 1;
  const x = (at: number) => x0 + (at / xMax) * (x1 - x0);
  const heap = samples.map((s) => judgedHeap(s.heapUsed, s.spaces));
  const scale = instanceUnits(e);
  const cutAt = e.warmup.steps;
  const cutLevel = heap[0]! + e.warmup.bytes;
  const fitEnd = cutLevel + e.slope.bytesPerUnit * scale * (xMax - cutAt);
  const allowed = e.budget.bytesPerUnit * scale * (xMax - cutAt);
  const levels = [...heap, fitEnd, cutLevel + allowed, cutLevel - allowed];
  let low = Math.min(...levels);
  let high = Math.max(...levels);
  const pad = (high - low) * 0.05 || Math.max(1, Math.abs(high) * 0.01);
  low -= pad;
  high += pad;
  const { top, height } = PANELS.heap;
  const y = (bytes: number) => top + height - ((bytes - low) / (high - low)) * height;
  const bottom = top + height;

  const parts: string[] = [];
  parts.push(
    `<rect class="warmup" x="${f(x0)}" y="${top}" width="${f(Math.max(0, x(cutAt) - x0))}" height="${height}" fill="#fde68a" fill-opacity="0.6"/>`,
    `<polygon class="budget" points="${f(x(cutAt))},${f(y(cutLevel))} ${f(x1)},${f(y(cutLevel + allowed))} ${f(x1)},${f(y(cutLevel - allowed))}" fill="${COLORS.budget}" fill-opacity="0.15" stroke="${COLORS.budget}" stroke-width="1"/>`,
  );
  for (const t of ticks(low, high)) {
    parts.push(
      `<line class="grid" x1="${x0}" y1="${f(y(t))}" x2="${x1}" y2="${f(y(t))}" stroke="#e5e7eb"/>`,
      `<text x="${x0 - 4}" y="${f(y(t) + 4)}" text-anchor="end" font-size="11">${escapeMarkup(formatBytes(t))}</text>`,
    );
  }
  for (const t of ticks(0, xMax)) {
    parts.push(
      `<line x1="${f(x(t))}" y1="${bottom}" x2="${f(x(t))}" y2="${bottom + 4}" stroke="#333"/>`,
      `<text x="${f(x(t))}" y="${bottom + 15}" text-anchor="middle" font-size="11">${escapeMarkup(formatCount(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${x1}" y="${bottom + 28}" text-anchor="end" font-size="11">${unit}</text>`,
    `<line x1="${x0}" y1="${bottom}" x2="${x1}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="#333"/>`,
    polyline(
      'heap',
      samples.map((s) => s.at),
      heap,
      x,
      y,
    ),
    `<line class="fit" x1="${f(x(cutAt))}" y1="${f(y(cutLevel))}" x2="${f(x1)}" y2="${f(y(fitEnd))}" stroke="${COLORS.fit}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
  );
  if (e.plateau) {
    const py = y(e.plateau.level);
    parts.push(
      `<line class="plateau" x1="${f(x(cutAt))}" y1="${f(py)}" x2="${x1}" y2="${f(py)}" stroke="#7c3aed" stroke-dasharray="2 2"/>`,
      `<text x="${x1 - 4}" y="${f(py - 4)}" text-anchor="end" font-size="11" fill="#7c3aed">plateau ${escapeMarkup(formatBytes(e.plateau.level))}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + 4}" y="${top + 12}" font-size="11" fill="${COLORS.heap}">heap (judged)</text>`,
    `<text x="${x0 + 100}" y="${top + 12}" font-size="11" fill="${COLORS.fit}">fitted slope</text>`,
    `<text x="${x0 + 180}" y="${top + 12}" font-size="11" fill="${COLORS.budget}">budget from the warm-up cut</text>`,
  );
  for (const key of ['external', 'rss'] as const) parts.push(smallPanel(key, samples, x));

  const title = `${e.id}: memory after forced GC against ${unit}`;
  return svgFigure({ className: 'plot', auditId: e.id, width: WIDTH, height: HEIGHT, title }, parts);
}

function polyline(
  key: keyof typeof COLORS,
  xs: readonly number[],
  ys: readonly number[],
  x: (at: number) => number,
  y: (v: number) => number,
): string {
  const points = xs.map((at, i) => `${f(x(at))},${f(y(ys[i]!))}`).join(' ');
  return `<polyline class="series ${key}" fill="none" stroke="${COLORS[key]}" stroke-width="1.5" points="${points}"/>`;
}

/** A small panel of its own scale (its lowest and highest value labelled) for off-heap or rss. */
function smallPanel(key: 'external' | 'rss', samples: AuditEntry['samples'], x: (at: number) => number): string {
  const { top, height } = PANELS[key];
  const values = samples.map((s) => s[key]);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || Math.max(1, high * 0.01);
  const y = (v: number) => top + height - ((v - low) / span) * height;
  const label = key === 'external' ? 'off-heap (external)' : 'rss (the whole process)';
  return [
    `<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${height}" fill="none" stroke="#e5e7eb"/>`,
    `<text x="${x0 + 4}" y="${top - 3}" font-size="11" fill="${COLORS[key]}">${label}</text>`,
    `<text x="${x0 - 4}" y="${top + 10}" text-anchor="end" font-size="10">${escapeMarkup(formatBytes(high))}</text>`,
    `<text x="${x0 - 4}" y="${top + height}" text-anchor="end" font-size="10">${escapeMarkup(formatBytes(low))}</text>`,
    polyline(
      key,
      samples.map((s) => s.at),
      values,
      x,
      y,
    ),
  ].join('\n');
}
