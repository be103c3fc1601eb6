/**
 * The no-op audit: the harness measuring itself. Every run includes it; its slope is the noise floor on
 * this machine, and no budget may be set below it.
 */
import { noop } from '../../fixtures/calibration/clean-tricky.ts';
import { audit } from 'leak-audit';

export const NOISE_FLOOR_AUDIT_NAME = 'noise floor (no-op)';

audit(NOISE_FLOOR_AUDIT_NAME, { expect: 'clean', description: noop.retains.derivation }, () => noop.create());
