import {
  DEFAULT_BATCH_INSTANCES,
  DEFAULT_CHURN_HORIZON,
  DEFAULT_CYCLES,
  DEFAULT_HORIZON_BUDGET_BYTES,
  DEFAULT_SEED,
  DEFAULT_SOAK_HORIZON,
  DEFAULT_STEPS,
  MAX_EXTENSION_FACTOR,
} from './defaults.ts';
import { AuditConfigError, positiveInteger, positiveNumber } from '../validate.ts';
import {
  horizonUnits,
  type AuditOptions,
  type Horizon,
  type ResolvedAuditOptions,
  type RunSettings,
  type Workload,
} from './audit.ts';

const WORKLOADS: readonly Workload[] = ['soak', 'churn', 'batch'];

/**
 * An audit's options with defaults filled in and command-line settings applied (`--steps` and `--horizon`
 * win over the audit's own, for soak and batch). Throws `AuditConfigError` naming the audit and the option.
 */
export function resolveAuditOptions(
  name: string,
  options: AuditOptions,
  settings: Partial<RunSettings> = {},
): ResolvedAuditOptions {
  const where = `audit "${name}"`;
  const integer = (option: string, value: unknown) => positiveInteger(`${where}: ${option}`, value);
  const bytes = (option: string, value: unknown) => positiveNumber(`${where}: ${option}`, value, 'bytes');
  const workload = options.workload ?? 'soak';
  if (!WORKLOADS.includes(workload)) {
    throw new AuditConfigError(`${where}: workload must be one of ${WORKLOADS.join(', ')}, got ${String(workload)}`);
  }
  const expect = options.expect ?? 'clean';
  if (expect !== 'leak' && expect !== 'clean') {
    throw new AuditConfigError(`${where}: expect must be 'leak' or 'clean', got ${String(expect)}`);
  }
  const churn = workload === 'churn';
  const units = churn
    ? integer('cycles', options.cycles ?? DEFAULT_CYCLES)
    : integer(settings.steps !== undefined ? '--steps' : 'steps', settings.steps ?? options.steps ?? DEFAULT_STEPS);
  const instances = workload === 'batch' ? integer('instances', options.instances ?? DEFAULT_BATCH_INSTANCES) : 1;
  const defaults = churn ? DEFAULT_CHURN_HORIZON : DEFAULT_SOAK_HORIZON;
  const given = (!churn && settings.horizon) || options.horizon || {};
  const horizon: Horizon = {
    units: integer('horizon units', given.units ?? defaults.units),
    instances: integer('horizon instances', given.instances ?? defaults.instances),
    ...(given.units === undefined && given.instances === undefined
      ? { label: defaults.label }
      : given.label
        ? { label: given.label }
        : {}),
  };
  const unitsOverHorizon = horizonUnits(workload, horizon);
  let budgetPerUnit: number;
  let budgetSource: ResolvedAuditOptions['budgetSource'];
  if (options.budgetPerUnit !== undefined) {
    budgetPerUnit = bytes('budgetPerUnit', options.budgetPerUnit);
    budgetSource = 'budgetPerUnit';
  } else {
    budgetPerUnit = bytes('budget', options.budget ?? DEFAULT_HORIZON_BUDGET_BYTES) / unitsOverHorizon;
    budgetSource = options.budget !== undefined ? 'budget' : 'default';
  }
  return {
    workload,
    expect,
    units,
    maxUnits: units * MAX_EXTENSION_FACTOR,
    instances,
    stepsPerCycle:
      churn && options.stepsPerCycle !== undefined ? integer('stepsPerCycle', options.stepsPerCycle) : null,
    horizon,
    budgetPerUnit,
    budgetSource,
    seed: settings.seed ?? DEFAULT_SEED,
    description: options.description ?? null,
  };
}

/** A stable id from an audit's name: lower case, words joined by dashes. */
export function auditId(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!id) throw new AuditConfigError(`audit name ${JSON.stringify(name)} has no letters or digits to make an id from`);
  return id;
}
