import { escapeMarkup } from './escape.ts';

/** What an inline SVG figure of the report is: its kind, the audit it shows, its size and its title. */
export interface SvgFigure {
  /** `plot` or `flame`: the class the page's CSS and the browser test select it by. */
  readonly className: string;
  readonly auditId: string;
  readonly width: number;
  readonly height: number;
  /** Said to screen readers (aria-label) and shown on hover (`<title>`). */
  readonly title: string;
}

/** An inline SVG of the report: scalable, titled for screen readers and on hover, tagged with its audit. */
export function svgFigure(figure: SvgFigure, parts: readonly string[]): string {
  const title = escapeMarkup(figure.title);
  return [
    `<svg class="${figure.className}" data-audit="${escapeMarkup(figure.auditId)}" viewBox="0 0 ${figure.width} ${figure.height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${title}</title>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
