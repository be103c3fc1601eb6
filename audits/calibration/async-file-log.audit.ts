import { asyncFileLog } from '../../fixtures/calibration/async-output.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(asyncFileLog);
