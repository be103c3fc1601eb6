/**
 * `npm run audit`. The measurement engine (issue 3) is not built yet, so this does not audit memory and
 * does not claim to: it runs the closed loops the audits will drive and reports how they behave.
 */
import { closedLoopOutcomes, formatOutcomes, SUMMARY_DURATION_S } from './closed-loop-summary.ts';

console.log(`leak-audit: closed-loop check of the four controllers (${SUMMARY_DURATION_S} s at dt = 0.01, config initial state)\n`);
console.log(formatOutcomes(closedLoopOutcomes()));
console.log('\nNo memory verdicts yet: the measurement engine is not built. See README.md.');
