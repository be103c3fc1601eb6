import { cleanLogger } from '../../fixtures/calibration/logger.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(cleanLogger);
