import { doublingLogLeak } from '../../fixtures/calibration/doubling-log.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(doublingLogLeak);
