import { offHeap } from '../../fixtures/calibration/off-heap.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(offHeap);
