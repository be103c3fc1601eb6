import { alarmLogLeak } from '../../fixtures/calibration/alarm-log.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(alarmLogLeak);
