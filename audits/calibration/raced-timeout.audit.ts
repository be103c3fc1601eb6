import { racedTimeout } from '../../fixtures/calibration/event-driven.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(racedTimeout);
