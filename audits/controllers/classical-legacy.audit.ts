import { auditControllerSoak } from './controller-audit.ts';

auditControllerSoak('classical_smc', 'legacy');
