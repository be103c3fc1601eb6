import type { AuditEntry } from '../model/report.ts';

export interface ScoreCategory {
  readonly name: string;
  readonly weight: number;
  /** Audits the category applies to, and how many of them meet it. */
  readonly applicable: number;
  readonly passed: number;
  /** weight x passed / applicable; 0 when nothing applies (and the weight is then not counted). */
  readonly points: number;
  readonly basis: string;
}

export interface Score {
  readonly categories: readonly ScoreCategory[];
  /** Points over the weights of the categories that applied, out of 100. */
  readonly total: number;
  readonly weightCounted: number;
}

interface Rule {
  readonly name: string;
  readonly weight: number;
  readonly basis: string;
  readonly applies: (e: AuditEntry) => boolean;
  readonly passes: (e: AuditEntry) => boolean;
}

/**
 * The score, out of 100, from measured facts only. Each category is a share of the audits it applies to;
 * a category that applies to none is left out and the total is scaled to the weights that remain, so the
 * rows always add up to the total (CA-02's did not).
 */
const RULES: readonly Rule[] = [
  {
    name: 'Steady state',
    weight: 35,
    basis: 'soak and batch subjects whose heap slope passes its budget',
    applies: (e) => e.role === 'subject' && e.workload !== 'churn' && e.verdict !== 'error',
    passes: (e) => e.slope.verdict === 'pass',
  },
  {
    name: 'Lifecycle churn',
    weight: 20,
    basis: 'churn subjects whose growth per cycle passes its budget',
    applies: (e) => e.role === 'subject' && e.workload === 'churn' && e.verdict !== 'error',
    passes: (e) => e.slope.verdict === 'pass',
  },
  {
    name: 'Collectability after cleanup',
    weight: 10,
    basis: 'churn subjects whose dropped instances were all finalised',
    applies: (e) => e.role === 'subject' && e.collection !== null,
    passes: (e) => e.collection?.ok === true,
  },
  {
    name: 'Off-heap and handles',
    weight: 15,
    basis: 'subjects whose off-heap slope passes and that leave no handles behind',
    applies: (e) => e.role === 'subject' && e.verdict !== 'error',
    passes: (e) => e.offHeap.verdict === 'pass' && (e.handles?.total ?? 0) === 0,
  },
  {
    name: 'Calibration',
    weight: 20,
    basis: 'planted subjects (and the noise floor) given the verdict their truth predicts',
    applies: (e) => e.role !== 'subject',
    passes: (e) => e.expectationMet,
  },
];

export function score(entries: readonly AuditEntry[]): Score {
  const categories = RULES.map((rule): ScoreCategory => {
    const applicable = entries.filter(rule.applies);
    const passed = applicable.filter(rule.passes).length;
    return {
      name: rule.name,
      weight: rule.weight,
      applicable: applicable.length,
      passed,
      points: applicable.length ? (rule.weight * passed) / applicable.length : 0,
      basis: rule.basis,
    };
  });
  const counted = categories.filter((c) => c.applicable > 0);
  const weightCounted = counted.reduce((sum, c) => sum + c.weight, 0);
  const points = counted.reduce((sum, c) => sum + c.points, 0);
  return { categories, total: weightCounted ? (100 * points) / weightCounted : 0, weightCounted };
}
