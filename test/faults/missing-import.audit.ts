// Fault audit file: imports a module that does not exist. Expected: a configuration error that names
// this file and the import, not a path inside vitest.
import { audit } from '../../src/index.ts';
// @ts-expect-error -- the module is missing on purpose
import { gains } from './no-such-module.ts';

audit('fault: missing import', () => ({ step: () => gains as number }));
