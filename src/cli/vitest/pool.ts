import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { dirname, relative } from 'node:path';
import { createMethodsRPC, type PoolOptions, type PoolWorker, type TestProject, type WorkerRequest } from 'vitest/node';
import type { RunnerTaskEventPack, RunnerTaskResult, RunnerTaskResultPack, RunnerTestFile } from 'vitest';
import { CHILD_TASK_ENV, type ChildResult, type ChildTask } from '../../protocol.ts';
import type { ChildEnd } from '../child-end.ts';
import { sourcePositions } from '../source-positions.ts';
import { readLogTail } from '../log-tail.ts';

/** The name vitest knows the pool by (in its `pool` option and on each task). */
export const AUDIT_POOL = 'leak-audit';

/** What the pool needs to start one audit process per audit file. */
export interface AuditPoolOptions {
  /**
   * What loads an audit file, after the Node options: its bundle (cli/bundle.ts); or why there is
   * nothing to load (it did not build).
   */
  readonly entry: (file: string) => { readonly args: readonly string[] } | { readonly error: string };
  /** Node options of every audit process: `--expose-gc`, the heap cap, what the run adds. */
  readonly execArgv: readonly string[];
  /** The task of an audit file's process (without its result file, which the pool chooses). */
  readonly task: (file: string) => Omit<ChildTask, 'resultFile'>;
  /** Where each process's result file goes while it runs. */
  readonly workDir: string;
  /** Where each process's stdout and stderr go. */
  readonly logFile: (file: string) => string;
  readonly onEnd: (end: ChildEnd) => void;
}

/**
 * A vitest pool whose worker is a bare `node --expose-gc` running one audit file (its bundle, for the
 * measured runs), in place of vitest's forks worker, which brings vitest's runner, its module loader and
 * tsx into the measured heap (12.1 MB before the subject, against 3.6 MB here). vitest still finds,
 * shards, schedules and reports the files; this pool answers its worker protocol itself and reports
 * each audit file as one test, passed when its process reported (the verdict is the CLI's to give),
 * failed with the cause when it did not load or died first.
 */
export function auditPool(options: AuditPoolOptions) {
  return {
    name: AUDIT_POOL,
    createPoolWorker: (poolOptions: PoolOptions): PoolWorker => new AuditProcess(poolOptions, options),
  };
}

class AuditProcess implements PoolWorker {
  readonly name = AUDIT_POOL;
  private readonly events = new EventEmitter();
  private readonly project: TestProject;
  private readonly rpc: ReturnType<typeof createMethodsRPC>;
  private kill: (() => void) | null = null;

  constructor(
    poolOptions: PoolOptions,
    private readonly options: AuditPoolOptions,
  ) {
    this.project = poolOptions.project;
    this.rpc = createMethodsRPC(poolOptions.project, { collect: poolOptions.method === 'collect' });
  }

  on(event: string, callback: (arg: unknown) => void): void {
    this.events.on(event, callback);
  }

  off(event: string, callback: (arg: unknown) => void): void {
    this.events.off(event, callback);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.kill?.();
  }

  /** vitest's requests; its runner RPC (the other messages) has no runner here to answer it. */
  send(message: WorkerRequest): void {
    if (!(message as { __vitest_worker_request__?: boolean }).__vitest_worker_request__) return;
    switch (message.type) {
      case 'start':
        return this.respond({ type: 'started' });
      case 'stop':
        this.kill?.();
        return this.respond({ type: 'stopped' });
      case 'cancel':
        return this.kill?.();
      case 'collect':
        return this.respond({ type: 'testfileFinished' });
      case 'run':
        void this.runFiles(message.context.files.map((f) => f.filepath)).then(
          () => this.respond({ type: 'testfileFinished' }),
          (error: unknown) => this.respond({ type: 'testfileFinished', error }),
        );
    }
  }

  private respond(response: Record<string, unknown>): void {
    queueMicrotask(() => this.events.emit('message', { __vitest_worker_response__: true, ...response }));
  }

  private async runFiles(files: readonly string[]): Promise<void> {
    for (const file of files) await this.runFile(file);
  }

  private async runFile(file: string): Promise<void> {
    const task = fileTask(this.project, file);
    // Each report is a copy, as vitest's runner sends them (serialized): vitest's state registers a task
    // object once, so the test added later would not be registered on the same object.
    await this.rpc.onQueued(structuredClone(task));
    await this.update(
      [[task.id, { state: 'run', startTime: Date.now() }, task.meta]],
      [[task.id, 'suite-prepare', undefined]],
    );
    const start = performance.now();
    const end = await this.spawnAudit(file);
    this.options.onEnd(end);
    const duration = performance.now() - start;
    const name =
      end.result?.kind === 'measured'
        ? end.result.record.name
        : end.result?.kind === 'diagnosed'
          ? end.result.record.id
          : null;
    if (name === null) {
      task.result = { state: 'fail', duration, errors: [{ name: 'Error', message: failureOf(end), stack: '' }] };
      await this.update([[task.id, task.result, task.meta]], [[task.id, 'suite-finished', undefined]]);
      return;
    }
    const test = testTask(task, name);
    task.tasks.push(test);
    await this.rpc.onCollected([structuredClone(task)]);
    const result: RunnerTaskResult = { state: 'pass', duration, startTime: Date.now() };
    task.result = { state: 'pass', duration };
    test.result = result;
    await this.update(
      [
        [test.id, result, test.meta],
        [task.id, task.result, task.meta],
      ],
      [
        [test.id, 'test-prepare', undefined],
        [test.id, 'test-finished', undefined],
        [task.id, 'suite-finished', undefined],
      ],
    );
  }

  private update(packs: RunnerTaskResultPack[], events: RunnerTaskEventPack[]): Promise<void> {
    return this.rpc.onTaskUpdate(packs, events);
  }

  private spawnAudit(file: string): Promise<ChildEnd> {
    const { options } = this;
    const entry = options.entry(file);
    const none = { file, result: null, exitCode: null, signal: null, logFile: null, logTail: '' };
    if ('error' in entry) return Promise.resolve({ ...none, logBytes: 0, buildError: entry.error });
    mkdirSync(options.workDir, { recursive: true });
    const resultFile = `${options.workDir}/${createHash('sha1').update(file).digest('hex').slice(0, 16)}.result.json`;
    rmSync(resultFile, { force: true });
    const logFile = options.logFile(file);
    mkdirSync(dirname(logFile), { recursive: true });
    const log = openSync(logFile, 'a');
    const task: ChildTask = { ...options.task(file), resultFile };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [...options.execArgv, ...entry.args], {
        stdio: ['ignore', log, log],
        env: { ...process.env, [CHILD_TASK_ENV]: JSON.stringify(task) },
      });
      closeSync(log);
      if (child.pid !== undefined) watchForOrphaning(child.pid);
      this.kill = () => child.kill('SIGKILL');
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
        this.kill = null;
        const raw = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult) : null;
        rmSync(resultFile, { force: true });
        const result = raw && withSourcePositions(raw, options.workDir);
        const log = readLog(logFile);
        const logTail = sourcePositions(log.logTail, options.workDir);
        resolve({ file, result, exitCode, signal, ...log, logTail });
      };
      child.once('error', () => finish(null, null));
      child.once('exit', finish);
    });
  }
}

/** The result with its error messages' bundle positions turned back into source positions. */
function withSourcePositions(result: ChildResult, buildDir: string): ChildResult {
  const map = (text: string) => sourcePositions(text, buildDir);
  switch (result.kind) {
    case 'load-error':
      return { ...result, message: map(result.message) };
    case 'measured': {
      const { error } = result.record;
      return error
        ? { ...result, record: { ...result.record, error: { ...error, message: map(error.message) } } }
        : result;
    }
    case 'diagnosed': {
      const { error } = result.record;
      return error ? { ...result, record: { ...result.record, error: map(error) } } : result;
    }
  }
}

/**
 * Kills the audit process if this one dies first (kill -9 of the CLI). The audit checks for that itself
 * at every reading, but a subject stuck inside a step never reaches one, and Node has no "die with the
 * parent". A shell outside the measured process watches both pids once a second; it ends with the audit.
 */
function watchForOrphaning(auditPid: number): void {
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -0 "$1" 2>/dev/null || kill -9 "$2" 2>/dev/null';
  spawn('sh', ['-c', script, 'leak-audit-watch', String(process.pid), String(auditPid)], {
    stdio: 'ignore',
    detached: true,
  }).unref();
}

/** The log, its size and its tail (readLogTail); no log (the file removed) when the process wrote nothing. */
function readLog(logFile: string): Pick<ChildEnd, 'logFile' | 'logTail' | 'logBytes'> {
  const { tail, bytes } = existsSync(logFile) ? readLogTail(logFile) : { tail: '', bytes: 0 };
  if (bytes === 0) {
    rmSync(logFile, { force: true });
    return { logFile: null, logTail: '', logBytes: 0 };
  }
  return { logFile, logTail: tail, logBytes: bytes };
}

function failureOf(end: ChildEnd): string {
  if (end.buildError !== undefined) return end.buildError;
  if (end.result?.kind === 'load-error') return end.result.message;
  return end.signal
    ? `the audit process was ended by ${end.signal}`
    : `the audit process exited with code ${end.exitCode}`;
}

/** The module's task as vitest's runner would report it: one file, its tests added once known. */
function fileTask(project: TestProject, file: string): RunnerTestFile {
  const name = relative(project.config.root, file);
  const task = {
    // The id vitest's own runner gives the file, which vitest looks the module up by.
    id: project.createSpecification(file).taskId,
    name,
    fullName: name,
    type: 'suite',
    mode: 'run',
    filepath: file,
    tasks: [],
    meta: {},
    projectName: project.name,
    pool: AUDIT_POOL,
    file: undefined as unknown,
  };
  task.file = task;
  return task as unknown as RunnerTestFile;
}

function testTask(file: RunnerTestFile, name: string): RunnerTestFile['tasks'][number] {
  return {
    id: `${file.id}_0`,
    name,
    fullName: name,
    fullTestName: name,
    type: 'test',
    mode: 'run',
    file,
    meta: {},
    timeout: 0,
    annotations: [],
    artifacts: [],
    context: {},
  } as unknown as RunnerTestFile['tasks'][number];
}
