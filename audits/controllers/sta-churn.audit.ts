import { auditControllerChurn } from './controller-audit.ts';

auditControllerChurn('sta_smc');
