import { timerLeak } from '../../fixtures/calibration/lifecycle.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(timerLeak);
