// Configuration error: a negative step count. Expected: the run exits 2 naming the audit and the option.
import { audit } from '../../src/index.ts';

audit('fault: bad options', { steps: -5 }, () => ({ step() {} }));
