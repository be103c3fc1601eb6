#!/usr/bin/env node
/** `npm run audit` and `npx leak-audit`: the pipeline is in cli/run.ts, the options in cli/args.ts. */
import { runCli } from './cli/run.ts';
import { runProgramCli } from './cli/run-program.ts';

const [first, ...rest] = process.argv.slice(2);
process.exitCode = first === 'run' ? await runProgramCli(rest) : await runCli(process.argv.slice(2));
