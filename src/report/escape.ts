/**
 * Escaping for each place a report's text goes. Audit names, error messages, file names and heap
 * property names come from subjects and users: any of them may hold a newline, a pipe, markup, a
 * terminal colour code or a NUL, and each destination breaks on different ones.
 */

/** ANSI escape sequences (colours, cursor moves), as a coloured assertion message carries them. */
/* eslint-disable no-control-regex -- matching control characters is what these are for */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
/** Characters XML 1.0 does not allow at all, even as character references: C0 controls but tab, LF, CR. */
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */
/** Line breaks of every kind: in a one-line place, each starts a new line somewhere. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

/** Colour codes dropped; other characters XML cannot hold shown as U+FFFD. */
export function printable(text: string): string {
  return text.replace(ANSI, '').replace(NOT_XML, '\ufffd');
}

/** Text made safe inside XML, HTML and SVG, in element content and in quoted attributes. */
export function escapeMarkup(text: string): string {
  return printable(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * One printable line: for terminal summaries, stderr messages and everything --ci prints, where a
 * line break in a subject's error message would start a line of its own, and one starting with `::`
 * is a GitHub workflow command (`::add-mask::`, `::stop-commands::`).
 */
export function oneLine(text: string): string {
  return printable(text).replace(LINE_BREAKS, ' ').replace(/\t/g, ' ');
}

/** Text inside a Markdown paragraph or list item: one line, with no raw HTML. */
export function markdownInline(text: string): string {
  return oneLine(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Text inside a Markdown table cell: as markdownInline, and a pipe no longer ends the cell. */
export function markdownCell(text: string): string {
  return markdownInline(text).replaceAll('|', '\\|');
}

/** Text as Markdown inline code: one line, fenced with more backticks than it holds. */
export function markdownCode(text: string): string {
  const line = oneLine(text);
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${line} ${fence}` : `${fence}${line}${fence}`;
}
