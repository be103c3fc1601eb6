import { splitLeak } from '../../fixtures/calibration/split-leak.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(splitLeak);
