import { auditControllerSoak } from './controller-audit.ts';

auditControllerSoak('sta_smc', 'legacy');
