import { seedClassicalFixed } from '../../fixtures/calibration/seed-classical.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(seedClassicalFixed);
