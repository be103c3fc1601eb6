import { garbage } from '../../fixtures/calibration/clean-tricky.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(garbage);
