import { auditControllerChurn } from './controller-audit.ts';

auditControllerChurn('classical_smc');
