import { closureChainLeak } from '../../fixtures/calibration/closure-chain.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(closureChainLeak);
