import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { findSourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllocationSite, ProfileNode, SamplingHeapProfile } from '../model/diagnosis.ts';

/** Bytes between samples: ~1000 samples for a few MB of growth, at a cost the diagnosis run can bear. */
const SAMPLING_INTERVAL_BYTES = 4096;
/** Allocation sites kept in the report. */
const TOP_SITES = 10;

function post<T>(session: Session, method: string, params?: object): T {
  // Posts to an in-process session are dispatched, and their callbacks run, synchronously: the profiler
  // is on before the next line of the audit's loop runs (clinic's asynchronous start missed it).
  let result: T | undefined;
  let failure: Error | null = null;
  session.post(method, params ?? {}, (error, value) => {
    failure = error;
    result = value as T;
  });
  if (failure) throw failure;
  if (result === undefined) throw new Error(`inspector ${method} did not answer synchronously`);
  return result;
}

/**
 * `file:line` of a function, relative to the working directory. Bundled or compiled TypeScript runs as
 * transformed code whose positions mean nothing to a reader: they are mapped back through the module's
 * source map (the diagnosis process runs with --enable-source-maps, which makes Node keep them).
 */
function where(callFrame: ProfileNode['callFrame']): string {
  const { url, lineNumber, columnNumber } = callFrame;
  // Audit files run through vitest's own transform and are named by path (their lines may be shifted).
  if (url.startsWith('/')) return `${relative(process.cwd(), url)}:${lineNumber + 1}`;
  if (!url.startsWith('file://')) return `${url}:${lineNumber + 1}`;
  const entry = findSourceMap(url)?.findEntry(lineNumber, columnNumber);
  const mapped = entry && 'originalSource' in entry ? entry : null;
  const file = mapped?.originalSource.startsWith('file://') ? mapped.originalSource : url;
  return `${relative(process.cwd(), fileURLToPath(file))}:${(mapped ? mapped.originalLine : lineNumber) + 1}`;
}

/** V8's sampling heap profiler, through node:inspector: start before the loop, stop after it. */
export class HeapProfile {
  private readonly session = new Session();

  start(): void {
    this.session.connect();
    post(this.session, 'HeapProfiler.enable');
    post(this.session, 'HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES });
  }

  /** Stops, writes the `.heapprofile`, and sums live bytes by source line (largest first). */
  stop(file: string, units: number): AllocationSite[] {
    const { profile } = post<{ profile: SamplingHeapProfile }>(this.session, 'HeapProfiler.stopSampling');
    post(this.session, 'HeapProfiler.disable');
    this.session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    const sites = new Map<string, { fn: string; location: string; bytes: number }>();
    // Built-ins (Float64Array.from, Array.prototype.push) have no script: their bytes go to the nearest
    // calling function that has one, which is the line an engineer can change.
    const visit = (node: ProfileNode, caller: ProfileNode | null): void => {
      const frame = node.callFrame.url ? node : caller;
      // The profiler's own answer (node:inspector) is not the subject's.
      if (node.selfSize > 0 && frame && !frame.callFrame.url.startsWith('node:inspector')) {
        const location = where(frame.callFrame);
        const fn = frame.callFrame.functionName || '(anonymous)';
        const key = `${fn}@${location}`;
        const site = sites.get(key) ?? { fn, location, bytes: 0 };
        site.bytes += node.selfSize;
        sites.set(key, site);
      }
      for (const child of node.children) visit(child, frame);
    };
    visit(profile.head, null);
    return [...sites.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, TOP_SITES)
      .map((s) => ({
        function: s.fn,
        location: s.location,
        bytes: s.bytes,
        bytesPerUnit: units > 0 ? s.bytes / units : 0,
      }));
  }
}
