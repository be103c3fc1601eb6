import { symbolRegistryLeak } from '../../fixtures/calibration/symbol-registry.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(symbolRegistryLeak);
