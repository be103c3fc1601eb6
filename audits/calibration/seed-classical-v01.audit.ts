import { seedClassicalV01 } from '../../fixtures/calibration/seed-classical.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(seedClassicalV01);
