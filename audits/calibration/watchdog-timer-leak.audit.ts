import { watchdogTimerLeak } from '../../fixtures/calibration/resource-leak.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(watchdogTimerLeak);
