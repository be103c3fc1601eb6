/**
 * The entry of an audit process: a bare `node --expose-gc` that loads one bundle, made of this module,
 * the harness's worker code and the audit file with what it imports (cli/bundle.ts). No test runner, no
 * TypeScript loader: what the process holds besides the subject is what measures it.
 */
import { writeFileSync } from 'node:fs';
import { auditId, resolveAuditOptions } from '../model/options.ts';
import { CHILD_TASK_ENV, type ChildResult, type ChildTask } from '../protocol.ts';
import { declaredAudit } from './audit.ts';
import { diagnose } from './diagnose.ts';
import { measure } from './measure.ts';
import { capOutput } from './output.ts';
import { SampleStream } from './stream.ts';
import { describeError } from './subjects.ts';

/** Runs the task in CHILD_TASK_ENV on the audit file `load` imports; writes the result, then exits. */
export async function runChild(load: () => Promise<unknown>): Promise<void> {
  const task = JSON.parse(process.env[CHILD_TASK_ENV] ?? 'null') as ChildTask | null;
  if (!task) throw new Error(`leak-audit: an audit process needs ${CHILD_TASK_ENV}; run audits through leak-audit`);
  delete process.env[CHILD_TASK_ENV];
  const output = capOutput(task.outputCapBytes);
  const result = await run(task, load, output);
  writeFileSync(task.resultFile, JSON.stringify(result));
  // Whatever the subject left scheduled (a timer, a socket) must not keep an audit process alive.
  process.exit(0);
}

async function run(task: ChildTask, load: () => Promise<unknown>, output: ChildResult['output']): Promise<ChildResult> {
  let declared;
  let options;
  try {
    await load();
    declared = declaredAudit();
    if (!declared) return { kind: 'load-error', message: 'declares no audit', output };
    options = resolveAuditOptions(declared.name, declared.options, task.settings);
  } catch (e) {
    return { kind: 'load-error', message: describeError(e), output };
  }
  const id = auditId(declared.name);
  const { file } = task;
  if (task.diagnosis) {
    const record = await diagnose({ id, file, options, setup: declared.setup, plan: task.diagnosis });
    return { kind: 'diagnosed', record, output };
  }
  const record = await measure({
    id,
    name: declared.name,
    file,
    options,
    setup: declared.setup,
    stream: new SampleStream(task.streamFile),
  });
  return { kind: 'measured', record, output };
}
