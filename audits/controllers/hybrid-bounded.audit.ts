import { auditControllerSoak } from './controller-audit.ts';

auditControllerSoak('hybrid_adaptive_sta_smc', 'bounded');
