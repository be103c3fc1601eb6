/**
 * Every default a user can change, stated once: the audit options' defaults, the horizons their growth
 * is projected over (with the words the reports use for them), and the command line's defaults. The
 * help text, the report header and the options' resolution are built from these; AUDIT.md explains
 * each. The verdict's thresholds, which a user does not set, are in analysis/constants.ts.
 */
import type { Horizon } from './audit.ts';

/** Growth a run may accumulate over its horizon before it fails, bytes (64 MiB). */
export const DEFAULT_HORIZON_BUDGET_BYTES = 64 * 2 ** 20;

/** The seed's night: 10 h at 100 Hz. */
export const DEFAULT_HORIZON_STEPS = 3_600_000;
/** A Monte Carlo batch of 50 runs. */
export const DEFAULT_HORIZON_INSTANCES = 50;
/** PSO tuning: e.g. 50 particles x 2000 iterations of controller construction. */
export const DEFAULT_HORIZON_CYCLES = 100_000;

/** The horizon of a soak or batch audit that names none, and of `--horizon`'s absence. */
export const DEFAULT_SOAK_HORIZON: Horizon = Object.freeze({
  units: DEFAULT_HORIZON_STEPS,
  instances: DEFAULT_HORIZON_INSTANCES,
  label: '10 h at 100 Hz x 50 instances',
});
/** The horizon of a churn audit that names none. */
export const DEFAULT_CHURN_HORIZON: Horizon = Object.freeze({
  units: DEFAULT_HORIZON_CYCLES,
  instances: 1,
  label: '100 000 controller lifecycles',
});

/** Steps of a soak or batch audit unless the audit or `--steps` says otherwise. */
export const DEFAULT_STEPS = 1_000_000;
/** Cycles of a churn audit unless the audit says otherwise. */
export const DEFAULT_CYCLES = 5_000;
/** Instances alive at once in a batch audit unless the audit says otherwise. */
export const DEFAULT_BATCH_INSTANCES = 50;
/** An uncertain run is extended up to this multiple of its planned length, then called inconclusive. */
export const MAX_EXTENSION_FACTOR = 4;

/** The seed of a run without --seed. */
export const DEFAULT_SEED = 1;
/** Where the reports go without --out. */
export const DEFAULT_OUT_DIR = 'reports';
/** Where the CLI looks for the allowlist when `--allowlist` is not given. */
export const DEFAULT_ALLOWLIST = 'audits/allowlist.json';
/** Default `--max-old-space-size` for each audit process, MiB. */
export const DEFAULT_HEAP_CAP_MB = 1536;
/**
 * The smallest `--heap-cap` accepted, MiB. Measured on the no-op audit (Node 20.20): at 12 MiB and
 * below the audit processes abort before their audit starts (and vitest waited for them forever); at
 * 16 MiB the no-op itself ran out of heap; from 24 MiB it passes.
 */
export const MIN_HEAP_CAP_MB = 32;
/** An audit with no new sample for this long is killed and reported as hung, ms. */
export const DEFAULT_HANG_TIMEOUT_MS = 60_000;
/**
 * Diagnosis (heap snapshots of failing audits). A snapshot takes ~2x the heap on disk and ~5x its size
 * in memory while parsed; 100 MB keeps a diagnosis under ~30 s and ~1 GB on these machines.
 */
export const DEFAULT_SNAPSHOT_CAP_MB = 100;
/**
 * Bytes of each subject's stdout and stderr kept in its log (`<out>/logs/`); past it the output is
 * counted, not written, so a subject that prints on every step cannot fill the disk.
 */
export const OUTPUT_CAP_BYTES = 16 * 2 ** 20;
