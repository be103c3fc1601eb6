import { auditControllerSoak } from './controller-audit.ts';

auditControllerSoak('adaptive_smc', 'bounded');
