import { listenerLeak } from '../../fixtures/calibration/lifecycle.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(listenerLeak);
