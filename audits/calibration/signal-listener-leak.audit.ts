import { signalListenerLeak } from '../../fixtures/calibration/signal-listener.ts';
import { auditCalibration } from './calibration-audit.ts';

auditCalibration(signalListenerLeak);
