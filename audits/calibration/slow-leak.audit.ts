import { slowLeak } from '../../fixtures/calibration/slow-leak.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(slowLeak);
