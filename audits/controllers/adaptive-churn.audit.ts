import { auditControllerChurn } from './controller-audit.ts';

auditControllerChurn('adaptive_smc');
