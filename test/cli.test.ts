import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatRate } from '../src/format.ts';
import { OUTPUT_CAP_BYTES } from '../src/model/defaults.ts';
import type { AuditEntry, AuditReport } from '../src/model/report.ts';
import { cli, cliAsync, CLI_ENTRY, RUN_TIMEOUT_MS, schemaErrors, type CliRun } from './support/cli.ts';

describe('npm run audit: faults end as errors, and the rest of the run completes', { timeout: 120_000 }, () => {
  // One run for all four faults, beside a healthy audit: their processes must not take the run down.
  let run: CliRun;
  let report: AuditReport;
  let byId: Record<string, AuditEntry>;
  beforeAll(() => {
    run = cli([
      'test/faults/throws.audit.ts',
      'test/faults/returns-nan.audit.ts',
      'test/faults/hangs.audit.ts',
      'test/faults/exhausts-heap.audit.ts',
      'test/faults/setup-throws.audit.ts',
      'audits/calibration/garbage.audit.ts',
      'audits/calibration/lifecycle-registry.audit.ts',
      '--no-calibration',
      '--steps',
      '300000',
      '--heap-cap',
      '64',
      '--hang-timeout',
      '4',
      // The registry is a planted leak, caught as planted: diagnosed only when every audit is.
      '--diagnose',
    ]);
    report = run.report();
    byId = Object.fromEntries(report.audits.map((a) => [a.id, a]));
  }, RUN_TIMEOUT_MS);

  it('exits 1 (expectations unmet), with every audit in the JSON', () => {
    expect(run.status).toBe(1);
    expect(Object.keys(byId).sort()).toEqual([
      'calibration-garbage',
      'calibration-lifecycle-registry',
      'fault-exhausts-heap',
      'fault-hangs',
      'fault-returns-nan',
      'fault-setup-throws',
      'fault-throws',
      'noise-floor-no-op',
      'noise-floor-no-op-cycle',
    ]);
  });

  it.each([
    // At the TypeScript line, though the audit process ran a bundle (mapped back by its source map).
    ['fault-throws', 'threw', /RangeError: gain matrix became singular \(at .*test\/faults\/throws\.audit\.ts:8:\d+\)/],
    ['fault-returns-nan', 'non-finite', /step 7777 returned NaN/],
    ['fault-hangs', 'hung', /no reading for 4 s during units 2000–3000; the process was killed/],
    [
      'fault-exhausts-heap',
      'heap-exhausted',
      /V8 ran out of heap \(--heap-cap 64 MB, V8 heap limit \d+ MB\) during units \d+–\d+/,
    ],
  ])('%s ends as error (%s) with its cause and the samples it had', (id, kind, message) => {
    const audit = byId[id]!;
    expect(audit.verdict).toBe('error');
    expect(audit.error?.kind).toBe(kind);
    expect(audit.error?.message).toMatch(message);
    expect(audit.samples.length).toBeGreaterThan(1);
    expect(audit.reasons[0]).toContain(kind);
  });

  it('the healthy audits and the noise floor still get their verdicts', () => {
    expect(byId['calibration-garbage']!.verdict).toBe('pass');
    expect(byId['calibration-lifecycle-registry']!.verdict).toBe('fail');
    expect(byId['noise-floor-no-op']!.verdict).toBe('pass');
    expect(report.noiseFloor?.auditId).toBe('noise-floor-no-op');
    expect(run.stdout).toMatch(/4\/9 audits gave the verdict expected of them/);
  });

  it('diagnoses the audits that ran (not the errored ones): the registry that keeps every instance, by name', () => {
    const diagnosis = byId['calibration-lifecycle-registry']!.diagnosis;
    expect(diagnosis?.status).toBe('done');
    expect(diagnosis?.findings[0]).toMatchObject({
      kind: 'collection',
      what: 'Array of RegisteredController',
      // The diagnosis loads the audit unbundled (through tsx), so each module keeps its own scope.
      retainerPath: 'module fixtures/calibration/lifecycle.ts › instanceRegistry',
    });
    expect(diagnosis?.findings[0]?.growthPerUnit.count).toBe(1);
    // A clean subject's diagnosis finds nothing that grows; the errored audits are not diagnosed.
    expect(byId['calibration-garbage']!.diagnosis).toMatchObject({ status: 'done', findings: [] });
    expect(byId['fault-throws']!.diagnosis).toBeNull();
    expect(run.markdown()).toContain('`module fixtures/calibration/lifecycle.ts › instanceRegistry`');
  });

  it('writes a JSON report valid against schema/audit-report.schema.json', () => {
    expect(schemaErrors(report)).toEqual([]);
    // It covers soak, churn (collection and handles) and every kind of error.
    expect(new Set(report.audits.map((a) => a.workload))).toEqual(new Set(['soak', 'churn']));
  });

  it('writes a Markdown report that carries the same verdicts and numbers as the JSON', () => {
    const markdown = run.markdown();
    for (const audit of report.audits) {
      const line = markdown.split('\n').find((l) => l.startsWith(`| ${audit.id} |`));
      expect(line, audit.id).toBeDefined();
      expect(line).toContain(`| ${audit.verdict.toUpperCase()} |`);
      expect(line).toContain(`| ${audit.expect} ${audit.expectationMet ? '✓' : '✗'} |`);
      if (audit.samples.length > 1) expect(line).toContain(formatRate(audit.slope.bytesPerUnit));
    }
    expect(markdown).toMatch(/\*\*Overall: ERROR\.\*\*/);
    expect(markdown).toMatch(/\*\*Score: \d+\.\d\/100\.\*\*/);
  });

  it('writes JUnit XML: a test case per audit, errors and unmet expectations marked with the verdict line', () => {
    const xml = run.junit();
    expect(xml.match(/<testcase /g)).toHaveLength(report.audits.length);
    expect(xml).toMatch(/<testsuites name="leak-audit" tests="9" failures="0" errors="5"/);
    expect(xml).toMatch(
      /name="fault-returns-nan"[^>]*>\s*<error type="non-finite" message="expected clean, got ERROR[^"]*step 7777 returned NaN/,
    );
    expect(xml).toMatch(/name="calibration-garbage"[^>]*>\s*<system-out>expected clean, got PASS/);
  });

  it('a setup that throws is an error naming its cause, with no samples to judge', () => {
    const audit = byId['fault-setup-throws']!;
    expect(audit.verdict).toBe('error');
    expect(audit.error?.kind).toBe('setup');
    expect(audit.error?.message).toMatch(/ClassicalSMC: expected exactly 6 gains, got 3/);
    expect(audit.stopReason).toBe('error');
  });
});

describe(
  'npm run audit: an allowlist accepts a known finding, with an owner and an expiry',
  { timeout: 240_000 },
  () => {
    const signature = 'collection:Array of Object@subject.log';
    const allowlist = (entries: object[]) => {
      const path = join(mkdtempSync(join(tmpdir(), 'leak-audit-allowlist-')), 'allowlist.json');
      writeFileSync(path, JSON.stringify({ accepted: entries }));
      return path;
    };
    const accepted = {
      signature,
      owner: 'controls team',
      reason: 'log is dropped with the run (CTL-12)',
      expires: '2999-12-31',
    };
    const stale = {
      signature: 'collection:Map@subject.gone',
      owner: 'controls team',
      reason: 'fixed long ago',
      expires: '2999-12-31',
    };
    let run: CliRun;
    beforeAll(() => {
      run = cli([
        'test/faults/unexpected-leak.audit.ts',
        '--no-calibration',
        '--profile',
        '--allowlist',
        allowlist([accepted, stale]),
      ]);
    }, RUN_TIMEOUT_MS);

    it('diagnoses the unexpected leak, accepts its finding, and exits 0', () => {
      const leak = run.report().audits.find((a) => a.id === 'fault-unexpected-leak')!;
      expect(leak.verdict).toBe('fail');
      expect(leak.expectationMet).toBe(false);
      expect(leak.diagnosis?.findings[0]).toMatchObject({
        signature,
        retainerPath: 'subject.log',
        accepted: { owner: 'controls team', expires: '2999-12-31' },
      });
      expect(run.report().allowlist?.entries.map((e) => e.status)).toEqual(['matched', 'unmatched']);
      expect(run.stderr).toContain('allowlist entry unmatched: collection:Map@subject.gone');
      expect(run.status).toBe(0);
    });

    it('says one thing everywhere: the exit code, the terminal, the PR comment, JUnit and both reports', () => {
      const { gate } = run.report();
      expect(gate).toMatchObject({ outcome: 'pass', exitCode: 0, unmet: [], accepted: ['fault-unexpected-leak'] });
      expect(run.status).toBe(gate?.exitCode);
      const why = gate!.why;
      expect(why).toContain('the allowlist accepts the findings of fault-unexpected-leak');
      // The terminal's last summary line is the headline; the accepted audit is not marked as unmet.
      expect(run.stdout).toContain(`PASS: ${why}, in `);
      expect(run.stdout).not.toMatch(/✗ fault-unexpected-leak/);
      expect(run.stdout).toMatch(/~ fault-unexpected-leak: fail, accepted by the allowlist/);
      const comment = readFileSync(join(run.out, 'pr-comment.md'), 'utf8');
      expect(comment).toMatch(/^## leak-audit: PASS$/m);
      expect(comment).toContain(why);
      expect(run.markdown()).toContain(`**Overall: PASS.** ${why}.`);
      const html = readFileSync(join(run.out, 'audit-report.html'), 'utf8');
      expect(html).toContain(`Overall: PASS.</strong> ${why}.`);
      expect(run.junit()).toMatch(/failures="0" errors="0"/);
    });

    it('with --profile, names the function that allocated the leaked records, in the TypeScript source', () => {
      const { diagnosis } = run.report().audits.find((a) => a.id === 'fault-unexpected-leak')!;
      expect(diagnosis?.allocationSites?.[0]?.function).toBe('step');
      // Audit files go through vitest's transform: the line is approximate, the file is not.
      expect(diagnosis?.allocationSites?.[0]?.location).toMatch(/^test\/faults\/unexpected-leak\.audit\.ts:\d+$/);
      expect(diagnosis?.profileFile).toMatch(/profiles\/fault-unexpected-leak\.heapprofile$/);
    });
  },
);

describe(
  'npm run audit --baseline: a slope that got worse than main fails the gate, even under budget',
  { timeout: 240_000 },
  () => {
    const args = ['audits/calibration/seed-classical-v01.audit.ts', '--no-calibration', '--no-diagnose'];
    let first: CliRun;
    beforeAll(() => {
      first = cli(args);
    }, RUN_TIMEOUT_MS);
    const baselineFile = (edit: (report: AuditReport) => AuditReport) => {
      const path = join(mkdtempSync(join(tmpdir(), 'leak-audit-baseline-')), 'audit-report.json');
      writeFileSync(path, JSON.stringify(edit(first.report())));
      return path;
    };

    it('fails, naming the audit and both slopes, when the baseline slope was lower (with --ci: by default, annotated)', () => {
      const lower = baselineFile((r) => ({
        ...r,
        audits: r.audits.map((a) =>
          a.id === 'calibration-seed-classical-v01'
            ? {
                ...a,
                slope: {
                  ...a.slope,
                  bytesPerUnit: a.slope.bytesPerUnit / 10,
                  ci: [a.slope.ci[0] / 10, a.slope.ci[1] / 10] as const,
                },
              }
            : a,
        ),
      }));
      // --ci turns --fail-on-regression on, and annotates the regression on the audit's file.
      const run = cli([...args, '--baseline', lower, '--ci']);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(
        /^::error file=audits\/calibration\/seed-classical-v01\.audit\.ts,title=leak-audit%3A calibration-seed-classical-v01 regressed::/m,
      );
      expect(run.stdout).not.toContain('\u001b[');
      expect(run.stderr).toMatch(/calibration-seed-classical-v01: heap slope regressed, 2\d\.\d+ → 2\d\d\.\d+ B\/step/);
      const comparison = run.report().baseline!.comparisons.find((c) => c.id === 'calibration-seed-classical-v01')!;
      expect(comparison.change).toBe('regressed');
      expect(run.markdown()).toContain('- **regressed**: calibration-seed-classical-v01: heap slope regressed');
    });
  },
);

describe(
  'npm run audit: a leak that fills the heap is a FAIL naming the limit, not an error',
  { timeout: 120_000 },
  () => {
    it('judges the legacy controller on its readings when its heap runs out (--steps 36e6, --heap-cap 128)', () => {
      const run = cli([
        'audits/controllers/classical-legacy.audit.ts',
        '--steps',
        '36e6',
        '--heap-cap',
        '128',
        '--no-calibration',
        '--no-diagnose',
      ]);
      const legacy = run.report().audits.find((a) => a.id === 'classical-smc-legacy-soak')!;
      expect(legacy.verdict).toBe('fail');
      expect(legacy.steps).toBeLessThan(36e6);
      expect(legacy.slope.bytesPerUnit).toBeGreaterThan(40);
      expect(legacy.reasons.join('\n')).toMatch(/--heap-cap 128 MB|of its \d+ MB limit \(the heap guard\)/);
      expect(run.status).toBe(0);
    });
  },
);

describe(
  'npm run audit --diagnose: a finding’s signature is the same in every run and from every folder',
  { timeout: 180_000 },
  () => {
    /** A project with a CommonJS package that keeps every logger it makes, and an audit of it. */
    function project(): string {
      const root = mkdtempSync(join(tmpdir(), 'leak-audit-project-'));
      const pkg = join(root, 'node_modules', 'fake-registry');
      mkdirSync(join(pkg, 'lib'), { recursive: true });
      mkdirSync(join(root, 'audits'));
      writeFileSync(join(root, 'package.json'), '{ "name": "trial", "type": "module" }');
      writeFileSync(join(pkg, 'package.json'), '{ "name": "fake-registry", "main": "lib/registry.js" }');
      writeFileSync(
        join(pkg, 'lib', 'registry.js'),
        "'use strict';\nconst registry = [];\nexports.getLogger = (name) => { const l = { name }; registry.push(l); return l; };\n",
      );
      writeFileSync(
        join(root, 'audits', 'loggers.audit.ts'),
        [
          `import { audit } from ${JSON.stringify(join(process.cwd(), 'src', 'index.ts'))};`,
          "import { getLogger } from 'fake-registry';",
          'let k = 0;',
          "audit('a logger per request', { expect: 'leak' }, () => ({ step: () => getLogger(`r${k++}`).name.length }));",
        ].join('\n'),
      );
      return join(root, 'audits', 'loggers.audit.ts');
    }

    it('names the package’s registry by the package and its file, in 3 diagnoses from 2 folders', async () => {
      const [a, b] = [project(), project()];
      // Side by side, and a fifth of the default plan: a signature depends on neither.
      const runs = await Promise.all(
        [a, b, b].map((file) => cliAsync([file, '--no-calibration', '--diagnose', '--steps', '200000'])),
      );
      const signatures = runs.map((run) => {
        const entry = run.report().audits.find((e) => e.id === 'a-logger-per-request')!;
        return entry.diagnosis?.findings[0]?.signature;
      });
      expect(signatures[0]).toBe('collection:Array of {name}@module fake-registry/lib/registry.js › registry');
      expect(new Set(signatures).size).toBe(1);
    });
  },
);

describe('npm run audit: a diagnosis over its snapshot cap is cut short, and says so', { timeout: 120_000 }, () => {
  it('stops after the first snapshot over --snapshot-cap, keeps it with --keep-snapshots, and reports why', () => {
    const run = cli([
      'audits/calibration/seed-classical-v01.audit.ts',
      '--no-calibration',
      '--diagnose',
      '--snapshot-cap',
      '1',
      '--keep-snapshots',
    ]);
    const { diagnosis } = run.report().audits.find((a) => a.id === 'calibration-seed-classical-v01')!;
    expect(diagnosis?.status).toBe('cut-short');
    expect(diagnosis?.note).toMatch(/stopped after 1 of 3 snapshots: the last one is over the 1 MB cap/);
    expect(diagnosis?.findings).toEqual([]);
    expect(diagnosis?.keptSnapshots).toHaveLength(1);
    expect(existsSync(diagnosis!.keptSnapshots[0]!)).toBe(true);
    expect(run.markdown()).toContain('cut-short: stopped after 1 of 3 snapshots');
  });
});

describe(
  'npm run audit --heapsnapshot-signal: kill -USR2 dumps a heap snapshot of a running audit',
  { timeout: 120_000 },
  () => {
    it('writes the snapshot to <out>/snapshots while the audit runs, and the audit still gets its verdict', async () => {
      const out = mkdtempSync(join(tmpdir(), 'leak-audit-signal-'));
      const child = spawn(
        process.execPath,
        [
          ...CLI_ENTRY,
          ...['--out', out, 'test/faults/slow-steps.audit.ts', '--no-calibration', '--heapsnapshot-signal'],
          // A third of the default plan: the signal needs a run that is measuring, not a long one.
          ...['--steps', '300000'],
        ],
        {
          env: { ...process.env, NO_COLOR: '1' },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      // The audit's pid is in the first line of its sample stream; signal it once it is measuring.
      let signalled = false;
      for (let attempt = 0; attempt < 600 && !signalled; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const streams = existsSync(join(out, '.samples'))
          ? readdirSync(join(out, '.samples')).filter((f) => f.includes('slow-steps'))
          : [];
        const lines = streams.length ? readFileSync(join(out, '.samples', streams[0]!), 'utf8').split('\n') : [];
        const start = lines[0] ? (JSON.parse(lines[0]) as { pid: number }) : null;
        if (start && lines.filter((l) => l.includes('"sample"')).length > 3) {
          process.kill(start.pid, 'SIGUSR2');
          signalled = true;
        }
      }
      expect(signalled).toBe(true);
      expect(await exited).toBe(0);
      expect(readdirSync(join(out, 'snapshots')).filter((f) => f.endsWith('.heapsnapshot')).length).toBe(1);
      const report = JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport;
      expect(report.audits.find((a) => a.id === 'slow-steps')?.verdict).toBe('pass');
    });
  },
);

// Each test spawns the CLI, which starts vitest: seconds, not milliseconds, on a cold machine.
describe('npm run audit: configuration errors exit 2 with one clear line', { timeout: 120_000 }, () => {
  it('rejects a bad option', () => {
    const run = cli(['--steps', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('leak-audit: --steps: expected a number, got "many" (see --help)');
  });

  it('rejects an unknown option and a missing path', () => {
    expect(cli(['--stpes', '5']).stderr).toMatch(/Unknown option '--stpes'/);
    const missing = cli(['no/such/dir']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder: .*no\/such\/dir/);
  });

  it('names the audit file and option when an audit fails to load, and still writes the report', () => {
    const run = cli(['test/faults/bad-options.audit.ts', '--no-calibration']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /test\/faults\/bad-options\.audit\.ts: .*audit "fault: bad options": steps must be a positive integer, got -5/,
    );
    expect(run.report().summary.configErrors).toHaveLength(1);
  });

  it('names the audit file and the import when a relative import is missing', () => {
    const run = cli(['test/faults/missing-import.audit.ts', '--no-calibration']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /test\/faults\/missing-import\.audit\.ts: line 5:23: Could not resolve "\.\/no-such-module\.ts"/,
    );
    expect(run.stderr).not.toContain('vitest/dist');
  });

  it('prints help', () => {
    const run = cli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: leak-audit \[paths...\] \[options\]/);
  });
});

describe('npm run audit: an output folder it cannot use', { timeout: 120_000 }, () => {
  it('is refused before any audit runs (exit 2): a file, or a folder under one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'leak-audit-out-')), 'not-a-folder');
    writeFileSync(file, '');
    const onFile = cli(['audits/calibration/garbage.audit.ts', '--no-calibration', '--out', file]);
    expect(onFile.status).toBe(2);
    expect(onFile.stderr.trim()).toBe(`leak-audit: --out ${file}: is a file, not a folder (see --help)`);
    const under = cli(['audits/calibration/garbage.audit.ts', '--no-calibration', '--out', join(file, 'reports')]);
    expect(under.status).toBe(2);
    expect(under.stderr).toMatch(/--out .*not-a-folder\/reports: cannot create the folder: E(NOTDIR|EXIST)/);
  });

  it('a report that cannot be written: the others and the summary still are, one line names it, exit 3', () => {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-out-'));
    // A folder where the Markdown report goes: renaming the finished file onto it fails (as root too).
    mkdirSync(join(out, 'audit-report.md'));
    const run = cli([
      'audits/calibration/seed-classical-v01.audit.ts',
      '--no-calibration',
      '--no-diagnose',
      '--out',
      out,
    ]);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^leak-audit: could not write .*audit-report\.md: EISDIR/m);
    expect(run.stdout).toMatch(/3\/3 audits gave the verdict expected of them/);
    for (const file of ['audit-report.json', 'audit-report.html', 'junit.xml', 'pr-comment.md']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('npm run audit: the hang watchdog follows the window', { timeout: 120_000 }, () => {
  it('does not kill a slow but healthy subject whose windows outlast --hang-timeout', () => {
    // Windows of 60 steps of 2 ms: 120 ms, against a 100 ms timeout. (At 50 ms, the first window of one
    // step and its reading outlasted the timeout itself when another audit started beside it.)
    const run = cli([
      'test/faults/millisecond-steps.audit.ts',
      '--no-calibration',
      '--no-diagnose',
      '--steps',
      '6000',
      '--hang-timeout',
      '0.1',
    ]);
    const audit = run.report().audits.find((a) => a.id === 'millisecond-steps')!;
    expect(audit.error).toBeNull();
    expect(audit.verdict).toBe('pass');
    expect(run.status).toBe(0);
  });
});

describe('npm run audit: a run owns its output folder', { timeout: 120_000 }, () => {
  it('refuses a second run on the same --out while the first runs, which then completes unharmed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-shared-'));
    const first = cliAsync([
      ...['test/faults/slow-steps.audit.ts', '--no-calibration', '--no-diagnose', '--out', out],
      ...['--steps', '300000'],
    ]);
    for (let i = 0; i < 200 && !existsSync(join(out, '.samples')); i++) await new Promise((r) => setTimeout(r, 50));
    const second = cli(['audits/calibration/garbage.audit.ts', '--no-calibration', '--out', out]);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(
      /^leak-audit: --out .*: another leak-audit run \(pid \d+, started [^)]+\) is using it/m,
    );
    const done = await first;
    expect(done.status).toBe(0);
    expect(
      JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')).audits.map((a: { id: string }) => a.id),
    ).toEqual(['noise-floor-no-op-cycle', 'noise-floor-no-op', 'slow-steps']);
    expect(existsSync(join(out, '.leak-audit.lock'))).toBe(false);
  });

  it('takes over a lock left by a run that died, and removes the reports it left', () => {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-stale-'));
    writeFileSync(
      join(out, '.leak-audit.lock'),
      JSON.stringify({ pid: 2 ** 22 + 1, startedAt: '2026-01-01T00:00:00Z' }),
    );
    writeFileSync(join(out, 'pr-comment.md'), '## leak-audit: pass\n');
    // A configuration error: the reports are written again, saying so, and the old comment is gone.
    const run = cli(['test/faults/bad-options.audit.ts', '--no-calibration', '--out', out]);
    expect(run.status).toBe(2);
    expect(readFileSync(join(out, 'pr-comment.md'), 'utf8')).toMatch(/^## leak-audit: ERROR/);
    expect(existsSync(join(out, '.leak-audit.lock'))).toBe(false);
  });
});

describe('npm run audit: interrupted', { timeout: 120_000 }, () => {
  /**
   * Starts the CLI on a long audit (20 µs steps, 36 M of them: minutes; a user's audit, so --steps sets
   * its plan); resolves with it once that audit is measuring, and its pid.
   */
  async function startLongRun(out: string, auditFile = 'test/faults/slow-steps.audit.ts') {
    const name = auditFile.split('/').at(-1)!.replace('.audit.ts', '');
    const child = spawn(
      process.execPath,
      [...CLI_ENTRY, auditFile, '--no-calibration', '--no-diagnose', '--steps', '36e6', '--out', out],
      { env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const stream = join(out, '.samples');
    for (let attempt = 0; attempt < 400; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const file = existsSync(stream) ? readdirSync(stream).find((f) => f.includes(name)) : undefined;
      const lines = file ? readFileSync(join(stream, file), 'utf8').split('\n') : [];
      if (lines.filter((l) => l.includes('"type":"sample"')).length >= 5) {
        return { child, exited, auditPid: (JSON.parse(lines[0]!) as { pid: number }).pid };
      }
    }
    throw new Error('the audit did not start measuring');
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('by Ctrl-C: stops its audits, writes the reports of what was measured, marked interrupted, exit 130', async () => {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-sigint-'));
    const { child, exited, auditPid } = await startLongRun(out);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(alive(auditPid)).toBe(false);
    const report = JSON.parse(readFileSync(join(out, 'audit-report.json'), 'utf8')) as AuditReport;
    expect(report.run.interrupted).toBe('SIGINT');
    const audit = report.audits.find((a) => a.id === 'slow-steps')!;
    expect(audit.error?.kind).toBe('interrupted');
    expect(audit.samples.length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(out, 'audit-report.md'), 'utf8')).toContain(
      '**Overall: INTERRUPTED.** The run was interrupted (SIGINT)',
    );
    expect(existsSync(join(out, '.leak-audit.lock'))).toBe(false);
  });

  /** Kills the CLI with SIGKILL once `auditFile` is measuring; whether that audit's process ended within 5 s. */
  async function auditEndsWithKilledCli(auditFile?: string): Promise<boolean> {
    const out = mkdtempSync(join(tmpdir(), 'leak-audit-sigkill-'));
    const { child, exited, auditPid } = await startLongRun(out, auditFile);
    child.kill('SIGKILL');
    await exited;
    for (let attempt = 0; attempt < 100; attempt++) {
      if (!alive(auditPid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  it('by kill -9 of the CLI: its audit notices at its next reading and stops', async () => {
    expect(await auditEndsWithKilledCli()).toBe(true);
  });

  it('by kill -9 of the CLI, with its audit stuck inside a step: that one ends too', async () => {
    expect(await auditEndsWithKilledCli('test/faults/hangs.audit.ts')).toBe(true);
  });
});

describe("npm run audit: a subject's output", { timeout: 120_000 }, () => {
  it('goes to a log per audit, not into the measured heap: a clean subject that logs passes', () => {
    const args = ['audits/calibration/clean-logger.audit.ts', 'test/faults/floods-stdout.audit.ts'];
    const run = cli([...args, '--no-calibration', '--no-diagnose', '--steps', '100000']);
    const byId = Object.fromEntries(run.report().audits.map((a) => [a.id, a]));
    const logger = byId['calibration-clean-logger']!;
    expect(logger.verdict).toBe('pass');
    expect(readFileSync(logger.output!.log, 'utf8')).toMatch(/^step 100: x=/);
    // A planted subject keeps its own plan whatever --steps says: 1 M steps, 20.4 MiB of lines, counted.
    expect(logger.steps).toBeGreaterThanOrEqual(1_000_000);
    expect(logger.output!.bytes).toBeGreaterThan(logger.output!.droppedBytes);
    // 1 MiB a step: the log stops at its cap, the rest is counted.
    const flood = byId['fault-floods-stdout']!;
    expect(flood.verdict).toBe('pass');
    expect(flood.output!.bytes).toBeGreaterThan(1000 * 2 ** 20);
    expect(statSync(flood.output!.log).size).toBeLessThan(OUTPUT_CAP_BYTES + 4096);
    expect(flood.output!.droppedBytes).toBeGreaterThan(0);
    expect(run.stdout).toContain('Subject output, kept out of the measured heap');
    expect(run.stdout).not.toContain('step 100: x=');
  });
});

describe('npm run audit: processes a subject starts', { timeout: 120_000 }, () => {
  it('do not outlive the audit', () => {
    const run = cli(['test/faults/leaves-child.audit.ts', '--no-calibration', '--no-diagnose', '--steps', '20000']);
    expect(run.report().audits.find((a) => a.id === 'fault-leaves-a-child-process')?.verdict).toBe('pass');
    const sleeping = spawnSync('pgrep', ['-f', 'sleep 613.25'], { encoding: 'utf8' }).stdout.trim();
    expect(sleeping).toBe('');
  });
});
