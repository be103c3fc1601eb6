/**
 * The closed-loop behaviour of the four controllers with the original parameters: whether each balances
 * the pendulum, with u_eq = 0 (the original's effective behaviour) and with u_eq from the plant's M, C, G
 * (the original's intent). The README's table is this script's output. `npm run closed-loop`
 */
import { CONTROLLER_KINDS, createController, type ControllerKind } from '../fixtures/controllers/index.ts';
import { simulate, type ClosedLoopHealth } from '../fixtures/loop/closed-loop.ts';
import { DIPPlant } from '../fixtures/plant/dip-plant.ts';
import { DEFAULT_DT, DEFAULT_INITIAL_STATE } from '../fixtures/plant/parameters.ts';

/** `config.yaml` `simulation.duration`. */
export const SUMMARY_DURATION_S = 10;

export interface ClosedLoopOutcome {
  readonly kind: ControllerKind;
  readonly equivalentControl: boolean;
  readonly health: ClosedLoopHealth;
}

export function closedLoopOutcomes(): ClosedLoopOutcome[] {
  const outcomes: ClosedLoopOutcome[] = [];
  for (const equivalentControl of [false, true]) {
    for (const kind of CONTROLLER_KINDS) {
      const plant = new DIPPlant();
      const options = equivalentControl ? { dynamics: plant, enableEquivalent: true } : {};
      const health = simulate(createController(kind, options), plant, {
        steps: Math.round(SUMMARY_DURATION_S / DEFAULT_DT),
        dt: DEFAULT_DT,
        initialState: DEFAULT_INITIAL_STATE,
      });
      outcomes.push({ kind, equivalentControl, health });
    }
  }
  return outcomes;
}

export function formatOutcomes(outcomes: readonly ClosedLoopOutcome[]): string {
  const header = ['controller', 'u_eq', 'outcome', 'fell at', 'froze at', 'max |θ| rad', 'max |u| N', 'max |x| m'];
  const rows = outcomes.map(({ kind, equivalentControl, health: h }) => [
    kind,
    equivalentControl ? 'plant M,C,G' : '0',
    h.outcome,
    h.fellAtStep === null ? '-' : `${(h.fellAtStep * h.dt).toFixed(2)} s`,
    h.frozeAtStep === null ? '-' : `${(h.frozeAtStep * h.dt).toFixed(2)} s`,
    h.maxAbsAngle.toFixed(3),
    h.maxAbsU.toFixed(1),
    h.maxAbsCartPosition.toFixed(2),
  ]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  return [header, ...rows].map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}

console.log(`Closed loop of the four controllers (${SUMMARY_DURATION_S} s at dt = 0.01, config initial state)\n`);
console.log(formatOutcomes(closedLoopOutcomes()));
