import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../src/cli/args.ts';
import { AuditConfigError } from '../src/validate.ts';

const refused = (argv: string[]) => {
  try {
    parseCli(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(AuditConfigError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('the command line, from its one table of options', () => {
  it('reads numbers as a user writes them, and fills in the defaults', () => {
    const cli = parseCli(['audits', '--steps', '36e6', '--seed=-3', '--hang-timeout', '0.5']);
    expect(cli).toMatchObject({ paths: ['audits'], steps: 36e6, seed: -3, hangTimeoutMs: 500, out: 'reports' });
    expect(parseCli(['--steps', '1_000_000']).steps).toBe(1e6);
    expect(parseCli([])).toMatchObject({ steps: undefined, diagnose: 'failing', failOnRegression: false });
    expect(parseCli(['--ci']).failOnRegression).toBe(true);
  });

  it('refuses a value that is not one, naming the option and what was given', () => {
    expect(refused(['--steps', 'many'])).toBe('--steps: expected a number, got "many"');
    expect(refused(['--jobs', '0'])).toBe('--jobs: expected a positive integer, got "0"');
    expect(refused(['--hang-timeout=-1'])).toBe('--hang-timeout: expected a positive number, got "-1"');
    expect(refused(['--seed', '1.5'])).toBe('--seed: expected an integer, got "1.5"');
    expect(refused(['--horizon', '3e6x0'])).toBe('--horizon: expected a positive integer, got "0"');
    expect(refused(['--bogus'])).toMatch(/Unknown option '--bogus'/);
    // Below it the audit processes abort before they start (and the run waited for them forever).
    expect(refused(['--heap-cap', '1'])).toBe(
      '--heap-cap: at least 32 MB (an audit process needs that to start), got 1',
    );
    expect(parseCli(['--heap-cap', '32']).heapCapMb).toBe(32);
  });

  it('refuses with --merge-reports every option that shapes how audits run, and no other', () => {
    expect(refused(['--merge-reports', 'a', '--steps', '5', '--profile'])).toBe(
      '--merge-reports runs no audit: --steps, --profile cannot be used with it',
    );
    expect(parseCli(['--merge-reports', 'a', 'b', '--out', 'o', '--ci', '--strict']).mergeReports).toBe(true);
  });

  it('lists every option in the help, with its value', () => {
    for (const flag of ['--steps N', '--horizon S[xN]', '--shard I/N', '--merge-reports', '-h, --help', '--strict']) {
      expect(USAGE).toContain(flag);
    }
    expect(Math.max(...USAGE.split('\n').map((line) => line.length))).toBeLessThanOrEqual(104);
  });
});
