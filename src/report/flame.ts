import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileNode, SamplingHeapProfile } from '../model/diagnosis.ts';
import { formatBytes } from '../format.ts';
import { escapeMarkup } from './escape.ts';
import { svgFigure } from './svg.ts';

const WIDTH = 640;
const ROW = 16;
/** Frames narrower than this share of the total are left out (they would be slivers). */
const MIN_SHARE = 0.002;
/** Frames at least this wide carry their name; narrower ones show it on hover. */
const LABEL_MIN_WIDTH = 40;
const CHAR_WIDTH = 6.2;
/** Deepest row drawn. */
const MAX_DEPTH = 40;

interface Frame {
  readonly node: ProfileNode;
  readonly total: number;
}

function totalOf(node: ProfileNode, totals: Map<ProfileNode, number>): number {
  let total = node.selfSize;
  for (const child of node.children) total += totalOf(child, totals);
  totals.set(node, total);
  return total;
}

/** `fixtures/calibration/seed-classical.ts:73`, relative to the working directory, 1-based. */
function position(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? relative(process.cwd(), fileURLToPath(url)) : url;
  return `${path}:${lineNumber + 1}`;
}

/**
 * The sampling heap profile as an inline SVG icicle: one row per call depth from the root down, each
 * frame as wide as the bytes allocated in it and its callees (still alive when sampling stopped); its
 * name when it fits, and its name, source position and bytes on hover (an SVG `<title>`). No script.
 */
export function flameGraph(profile: SamplingHeapProfile, id: string): string {
  const totals = new Map<ProfileNode, number>();
  const all = totalOf(profile.head, totals);
  if (all <= 0) return `<p class="no-plot">No allocations were sampled for ${escapeMarkup(id)}.</p>`;
  const rects: string[] = [];
  let depth = 0;
  const visit = (frames: readonly Frame[], x: number, level: number) => {
    let left = x;
    for (const { node, total } of frames) {
      const width = (total / all) * WIDTH;
      if (total / all >= MIN_SHARE && level <= MAX_DEPTH) {
        depth = Math.max(depth, level);
        const name = node.callFrame.functionName || '(anonymous)';
        const tip = `${name} at ${position(node)}: ${formatBytes(total)} (${formatBytes(node.selfSize)} itself)`;
        const chars = Math.floor((width - 4) / CHAR_WIDTH);
        const label =
          width >= LABEL_MIN_WIDTH && chars > 1
            ? `<text x="${(left + 2).toFixed(1)}" y="${(level * ROW + 12).toFixed(1)}" font-size="10">${escapeMarkup(name.length > chars ? `${name.slice(0, chars - 1)}…` : name)}</text>`
            : '';
        const hue = 20 + ((name.length * 37) % 40);
        rects.push(
          `<g class="frame" data-function="${escapeMarkup(name)}"><title>${escapeMarkup(tip)}</title><rect x="${left.toFixed(1)}" y="${level * ROW}" width="${Math.max(0.5, width - 0.5).toFixed(1)}" height="${ROW - 1}" fill="hsl(${hue}, 85%, 62%)"/>${label}</g>`,
        );
        visit(
          node.children.map((child) => ({ node: child, total: totals.get(child)! })),
          left,
          level + 1,
        );
      }
      left += width;
    }
  };
  visit([{ node: profile.head, total: all }], 0, 0);
  const height = (depth + 1) * ROW;
  const title = `${id}: memory allocated and still alive, by function (sampling heap profile)`;
  return svgFigure({ className: 'flame', auditId: id, width: WIDTH, height, title }, rects);
}
