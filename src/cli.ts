#!/usr/bin/env node
/** `npm run audit` and `npx leak-audit`: the pipeline is in cli/run.ts, the options in cli/args.ts. */
import { runCli } from './cli/run.ts';

process.exitCode = await runCli(process.argv.slice(2));
