import { describe, expect, it } from 'vitest';
import { DIPPlant } from '../fixtures/plant/dip-plant.ts';
import {
  solve3,
  symmetricConditionNumber3,
  symmetricConditionUpperBound3,
  symmetricEigenvalues3,
} from '../fixtures/plant/linalg.ts';
import { expectGolden, expectGoldenVector } from './golden.ts';

// Spec §1.4, golden values measured on the original `SimplifiedDIPDynamics`.
const S = [0, 0.1, 0.1, 0.2, 0.5, -0.3];

function matrices(plant: DIPPlant, state: readonly number[]) {
  const M = new Float64Array(9),
    C = new Float64Array(9),
    G = new Float64Array(3);
  plant.physicsMatrices(state, M, C, G);
  return { M, C, G };
}

describe('DIPPlant (simplified, config.yaml parameters): spec §1.4 golden values', () => {
  const plant = new DIPPlant();

  it('M, C and G at s', () => {
    const { M, C, G } = matrices(plant, S);
    expectGoldenVector(M, [
      '1.85',
      '0.060944005123279',
      '0.011193796859378',
      '0.060944005123279',
      '0.046875',
      '0.00542',
      '0.011193796859378',
      '0.00542',
      '0.006775',
    ]);
    expectGoldenVector(C, ['0.2', '-0.004317795269975', '0.000673875562366', '0', '0.005', '0', '0', '0', '0.004']);
    expectGoldenVector(G, ['0', '-0.119972312619910', '-0.022035730889371']);
  });

  it('cond(M) = 306.1398', () => {
    const { M } = matrices(plant, S);
    const eigenvalues = new Float64Array(3);
    symmetricEigenvalues3(M, eigenvalues);
    expectGolden(symmetricConditionNumber3(eigenvalues), '306.1398');
  });

  it('f(s, u = 10)', () => {
    const f = new Float64Array(6);
    expect(plant.derivative(S, 10, f)).toBe(true);
    expectGoldenVector(f, ['0.2', '0.5', '-0.3', '5.544854125912944', '-4.452091346500364', '-2.170022835859653']);
  });

  it('one Euler step, dt = 0.01, u = 10', () => {
    const next = new Float64Array(6);
    expect(plant.step(S, 10, 0.01, next)).toBe(true);
    expectGoldenVector(next, [
      '0.002',
      '0.105',
      '0.097',
      '0.255448541259129',
      '0.455479086534996',
      '-0.321700228358597',
    ]);
  });

  it('f at the config initial state, u = 0', () => {
    const f = new Float64Array(6);
    expect(plant.derivative([0, 0.05, -0.03, 0, 0, 0], 0, f)).toBe(true);
    expectGoldenVector(f, ['0', '0', '0', '-0.026897135899831', '1.154448414319913', '-1.856149160955711']);
  });

  it('the full-matrix model has the §1.2 inertia matrix', () => {
    const { M } = matrices(new DIPPlant({ model: 'full' }), S);
    expectGoldenVector(M, [
      '1.85',
      '0.121888010246558',
      '0.022387593718756',
      '0.121888010246558',
      '0.064875',
      '0.015775',
      '0.022387593718756',
      '0.015775',
      '0.006775',
    ]);
  });
});

describe('DIPPlant freezes instead of producing NaN (spec §1.3)', () => {
  const plant = new DIPPlant();

  it.each([
    ['cart beyond 10 m', [10.5, 0, 0, 0, 0, 0], 0],
    ['angular velocity beyond 100 rad/s', [0, 0, 0, 0, 101, 0], 0],
    ['a NaN in the state', [0, Number.NaN, 0, 0, 0, 0], 0],
    ['|u| >= 1000', [0, 0.1, 0, 0, 0, 0], 1000],
    ['a non-finite u', [0, 0.1, 0, 0, 0, 0], Number.POSITIVE_INFINITY],
  ])('returns the state unchanged for %s', (_label, state, u) => {
    const out = new Float64Array(6);
    expect(plant.step(state, u, 0.01, out)).toBe(false);
    expect(Array.from(out)).toEqual(state);
  });

  it('wraps angles beyond ±π for the trig only: the derivative matches the wrapped state', () => {
    const wrapped = [0, 0.3, -0.2, 0.1, 0.4, -0.5];
    const unwrapped = [0, 0.3 + 2 * Math.PI, -0.2 - 2 * Math.PI, 0.1, 0.4, -0.5];
    const a = new Float64Array(6),
      b = new Float64Array(6);
    expect(plant.derivative(wrapped, 3, a)).toBe(true);
    expect(plant.derivative(unwrapped, 3, b)).toBe(true);
    for (let i = 0; i < 6; i++) expect(b[i]).toBeCloseTo(a[i]!, 12);
  });

  it('steps in place when out is the state itself', () => {
    const state = Float64Array.from(S);
    plant.step(state, 10, 0.01, state);
    expectGolden(state[3]!, '0.255448541259129');
  });

  it('rejects unknown models and non-physical parameters', () => {
    expect(() => new DIPPlant({ model: 'lowrank' as never })).toThrow(/model must be 'simplified' or 'full'/);
    expect(() => new DIPPlant({ parameters: { cartMass: 0 } })).toThrow(/cartMass must be > 0/);
    expect(() => new DIPPlant({ parameters: { joint1Friction: -1 } })).toThrow(/joint1Friction must be >= 0/);
  });
});

describe('3×3 linear algebra', () => {
  it('solve3 needs pivoting and solves exactly', () => {
    const A = [0, 2, 1, 1, 1, 1, 2, 1, 0];
    const x = new Float64Array(3);
    expect(solve3(A, [5, 4, 4], x, new Float64Array(12))).toBe(true);
    expect(Array.from(x).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 2, 1]);
  });

  it('solve3 reports a singular matrix', () => {
    expect(solve3([1, 2, 3, 2, 4, 6, 1, 1, 1], [1, 2, 3], new Float64Array(3), new Float64Array(12))).toBe(false);
  });

  it('eigenvalues of symmetric matrices, largest first', () => {
    const out = new Float64Array(3);
    symmetricEigenvalues3([3, 0, 0, 0, 1, 0, 0, 0, 2], out);
    expect(Array.from(out)).toEqual([3, 2, 1]);
    symmetricEigenvalues3([2, 1, 0, 1, 2, 0, 0, 0, 5], out);
    expect(out[0]).toBeCloseTo(5, 12);
    expect(out[1]).toBeCloseTo(3, 12);
    expect(out[2]).toBeCloseTo(1, 12);
    expect(symmetricConditionNumber3(out)).toBeCloseTo(5, 12);
  });
});

describe('regularisation of an ill-conditioned M', () => {
  it('the cheap condition bound is never below the exact condition number', () => {
    const eigenvalues = new Float64Array(3);
    const samples = [
      [1.85, 0.0609, 0.0112, 0.0609, 0.046875, 0.00542, 0.0112, 0.00542, 0.006775],
      [2, 1, 0, 1, 2, 0, 0, 0, 5],
      [1, 0.999999, 0, 0.999999, 1, 0, 0, 0, 1],
      [-3, 1, 0.5, 1, 2, 0.2, 0.5, 0.2, 1e-6],
    ];
    for (const A of samples) {
      symmetricEigenvalues3(A, eigenvalues);
      expect(symmetricConditionUpperBound3(A)).toBeGreaterThanOrEqual(
        symmetricConditionNumber3(eigenvalues) * (1 - 1e-12),
      );
    }
  });

  it('a plant whose threshold is below cond(M) regularises and still matches the plain solve closely', () => {
    // λ = 1e-4·σ_max ≈ 1.9e-4 shifts the solution slightly: it must move, but stay close.
    const plain = new Float64Array(6),
      regularised = new Float64Array(6);
    new DIPPlant().derivative(S, 10, plain);
    new DIPPlant({ maxConditionNumber: 100 }).derivative(S, 10, regularised);
    expect(regularised[3]).not.toBe(plain[3]);
    for (let i = 3; i < 6; i++) expect(Math.abs(regularised[i]! - plain[i]!) / Math.abs(plain[i]!)).toBeLessThan(0.05);
  });
});
