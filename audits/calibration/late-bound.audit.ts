import { lateBound } from '../../fixtures/calibration/late.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(lateBound);
