import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStream } from '../src/cli/stream-reader.ts';
import { resolveAuditOptions } from '../src/model/options.ts';
import { streamPath, type StreamEvent } from '../src/protocol.ts';
import { SampleStream } from '../src/worker/stream.ts';

const options = resolveAuditOptions('stream test', {});
const sample = (at: number) => ({
  at,
  ms: at / 100,
  heapUsed: 4e6 + at,
  external: 1e5,
  arrayBuffers: 1e4,
  rss: 5e7,
  spaces: { old_space: 3e6 },
});
const start: StreamEvent = {
  type: 'start',
  id: 'stream-test',
  name: 'stream test',
  file: '/x.audit.ts',
  pid: 42,
  options,
  heapCapBytes: 2 ** 30,
};

function written(events: readonly StreamEvent[]): string {
  const path = streamPath(mkdtempSync(join(tmpdir(), 'leak-audit-stream-')), '/work/audits/x.audit.ts');
  const stream = new SampleStream(path);
  for (const event of events) stream.write(event);
  stream.close();
  return path;
}

describe('the sample stream, written by the audit process and read back by the parent', () => {
  it('gives back every event of a run that ended', () => {
    const end: StreamEvent = {
      type: 'end',
      stopReason: 'planned',
      collection: null,
      handles: null,
      error: null,
      timings: { startupMs: 1, setupMs: 2, loopMs: 3, samplingMs: 4, decisionMs: 5 },
    };
    const contents = readStream(
      written([
        start,
        { type: 'sample', ...sample(0) },
        { type: 'window', from: 0, to: 10 },
        { type: 'sample', ...sample(10) },
        end,
      ]),
    );
    const { type: _, ...startData } = start;
    expect(contents.start).toEqual(startData);
    expect(contents.samples).toEqual([sample(0), sample(10)]);
    expect(contents.lastWindow).toEqual({ from: 0, to: 10 });
    expect(contents.ended).toBe(true);
    expect(contents.end?.stopReason).toBe('planned');
  });

  it('keeps what a killed process had written, and skips the line the kill cut short', () => {
    const path = written([start, { type: 'sample', ...sample(0) }, { type: 'window', from: 0, to: 10 }]);
    appendFileSync(path, '{"type":"sample","at":10,"ms":0.1,"heapUs');
    const contents = readStream(path);
    expect(contents.samples).toEqual([sample(0)]);
    expect(contents.lastWindow).toEqual({ from: 0, to: 10 });
    expect(contents.ended).toBe(false);
    expect(contents.end).toBeNull();
  });

  it('reads a stream that was never written as empty, and ignores lines that are not events', () => {
    expect(readStream('/nonexistent/leak-audit.ndjson')).toEqual({
      start: null,
      samples: [],
      lastWindow: null,
      ended: false,
      end: null,
    });
    const path = written([start]);
    appendFileSync(path, '\n[1,2]\n{"type":"other"}\nnull\n');
    expect(readStream(path).start?.id).toBe('stream-test');
  });

  it("names each audit file's stream after its whole path, so two files of one name do not share one", () => {
    expect(streamPath('/s', '/a/x.audit.ts')).not.toBe(streamPath('/s', '/b/x.audit.ts'));
  });
});
