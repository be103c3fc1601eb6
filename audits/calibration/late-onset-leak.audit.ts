import { lateOnsetLeak } from '../../fixtures/calibration/late.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(lateOnsetLeak);
