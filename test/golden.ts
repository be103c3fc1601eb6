import { expect } from 'vitest';

/** The spec's parity tolerance (relative), where its printed digits are precise enough for it. */
export const PARITY_RELATIVE_TOLERANCE = 1e-12;

/**
 * Asserts `actual` equals a golden value written as in the spec. The tolerance is 1e-12 relative, or
 * half a unit in the last printed digit when the spec printed fewer digits than that needs (some of its
 * u values have 12 significant digits).
 */
export function expectGolden(actual: number, golden: string): void {
  const expected = Number(golden);
  const decimals = golden.split('.')[1]?.replace(/e.*$/i, '').length ?? 0;
  const tolerance = Math.max(PARITY_RELATIVE_TOLERANCE * Math.abs(expected), 0.5 * 10 ** -decimals);
  if (Math.abs(actual - expected) > tolerance) {
    expect.fail(`expected ${actual} to equal golden ${golden} within ${tolerance.toExponential(2)}`);
  }
}

export function expectGoldenVector(actual: ArrayLike<number>, golden: readonly string[]): void {
  expect(actual.length).toBe(golden.length);
  golden.forEach((g, i) => expectGolden(actual[i]!, g));
}
