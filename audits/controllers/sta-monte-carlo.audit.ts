import { auditControllerBatch } from './controller-audit.ts';

auditControllerBatch('sta_smc');
