/** Number formatting shared by the terminal table and the reports. Binary units (KiB = 1024 B). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count with a binary unit and three significant digits, signed: `+8.6 GiB`, `-12 KiB`. */
export function formatBytes(bytes: number, signed = false): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : signed ? '+' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 || (unit === 0 && Number.isInteger(value)) ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** A heap size or limit as `--heap-cap` and V8's limit are given: whole MB (MiB), `1534 MB`. */
export function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}

/** A per-unit rate with enough digits to tell 0.003 from 0.3: `0.655`, `273`, `48 240`. */
export function formatRate(bytesPerUnit: number): string {
  const a = Math.abs(bytesPerUnit);
  if (a === 0) return '0';
  if (a < 0.01) return bytesPerUnit.toExponential(1);
  if (a < 10) return bytesPerUnit.toFixed(3);
  if (a < 1000) return bytesPerUnit.toFixed(1);
  return Math.round(bytesPerUnit).toLocaleString('en');
}

/** `[0.654, 0.707]` */
export function formatInterval(ci: readonly [number, number]): string {
  return `[${formatRate(ci[0])}, ${formatRate(ci[1])}]`;
}

/** `0.655 [0.654, 0.707]` */
export function formatRateWithCi(rate: number, ci: readonly [number, number]): string {
  return `${formatRate(rate)} ${formatInterval(ci)}`;
}

/** 1000000 → `1 M`, 250000 → `250 k`. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)} k`;
  // A watched program's seconds are not whole: 19.8, not 19.786612684.
  return Number.isInteger(n) ? String(n) : String(+n.toPrecision(3));
}

/** An ISO date and time as a reader wants it: `2026-12-06 10:21 UTC`. */
export function recordedWhen(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
