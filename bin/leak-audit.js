#!/usr/bin/env node
// `npx leak-audit [paths] [options]` in a repository that installed leak-audit: the same CLI as
// `npm run audit` here. leak-audit ships TypeScript; tsx compiles it as it loads.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
