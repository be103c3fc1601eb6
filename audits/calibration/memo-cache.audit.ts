import { memoCache } from '../../fixtures/calibration/memo-cache.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(memoCache);
