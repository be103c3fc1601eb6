import { existsSync, readFileSync } from 'node:fs';
import type { Sample } from '../model/audit.ts';
import type { EndEvent, StartEvent, StreamEvent } from '../protocol.ts';

/**
 * Reads an audit's sample stream (events in protocol.ts) back: for the monitor while the audit runs,
 * and to rebuild the record of an audit whose process was killed or died.
 */

export interface StreamContents {
  readonly start: Omit<StartEvent, 'type'> | null;
  readonly samples: Sample[];
  /** The last window started: where the process was when it stopped writing. */
  readonly lastWindow: { readonly from: number; readonly to: number } | null;
  readonly ended: boolean;
  readonly end: Omit<EndEvent, 'type'> | null;
}

/**
 * Parses one line; null for a line cut short by a kill, or one that is not an event. The worker wrote
 * it from a `StreamEvent` (protocol.ts), so the tag is what is checked.
 */
function parseEvent(line: string): StreamEvent | null {
  try {
    const event: unknown = JSON.parse(line);
    const type = (event as { type?: unknown } | null)?.type;
    return type === 'start' || type === 'window' || type === 'sample' || type === 'end' ? (event as StreamEvent) : null;
  } catch {
    return null;
  }
}

export function readStream(path: string): StreamContents {
  let start: StreamContents['start'] = null;
  let lastWindow: StreamContents['lastWindow'] = null;
  let end: StreamContents['end'] = null;
  const samples: Sample[] = [];
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    const event = line.trim() ? parseEvent(line) : null;
    if (event?.type === 'start') {
      const { type: _, ...data } = event;
      start = data;
    } else if (event?.type === 'sample') {
      const { type: _, ...sample } = event;
      samples.push(sample);
    } else if (event?.type === 'window') {
      lastWindow = { from: event.from, to: event.to };
    } else if (event?.type === 'end') {
      const { type: _, ...data } = event;
      end = data;
    }
  }
  return { start, samples, lastWindow, ended: end !== null, end };
}
