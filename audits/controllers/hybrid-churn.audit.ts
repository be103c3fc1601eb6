import { auditControllerChurn } from './controller-audit.ts';

auditControllerChurn('hybrid_adaptive_sta_smc');
