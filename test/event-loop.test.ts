import { writeFile } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Pacer, pendingWork, settle } from '../src/worker/event-loop.ts';

/**
 * The event loop as the harness turns it: between stretches of a window (the pacer), and before a
 * reading until the subject's I/O in flight has completed (settle).
 */

const dir = mkdtempSync(join(tmpdir(), 'leak-audit-event-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pendingWork', () => {
  it('counts I/O requests in flight, and pending timers apart from them', async () => {
    const before = pendingWork();
    const timer = setTimeout(() => {}, 60_000);
    const done = new Promise<void>((resolve) => writeFile(join(dir, 'a.txt'), 'x', () => resolve()));
    expect(pendingWork()).toEqual({ requests: before.requests + 1, timers: before.timers + 1 });
    await done;
    clearTimeout(timer);
  });
});

describe('settle', () => {
  it('waits for a chain of writes in flight, each started by the last one’s completion', async () => {
    // An async logger's destination: one write in flight, the next started when it completes.
    const file = join(dir, 'chain.txt');
    let left = 20;
    const next = (): void => {
      if (left-- > 0) writeFile(file, String(left), { flag: 'a' }, next);
    };
    next();
    await settle();
    expect(left).toBe(-1);
    expect(pendingWork().requests).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('19181716151413121110' + '9876543210');
  });
});

describe('settle', () => {
  it('lets the deadlines a window armed fire, and does not wait for a timer that stays', async () => {
    // Deadlines of 10 ms armed over a window's last 10 ms: one in ten falls due each millisecond.
    const before = pendingWork().timers;
    let fired = 0;
    for (let i = 0; i < 100; i++) setTimeout(() => fired++, 1 + (i % 10));
    const watchdog = setTimeout(() => {}, 60_000);
    await settle();
    expect(fired).toBe(100);
    expect(pendingWork().timers).toBe(before + 1);
    clearTimeout(watchdog);
  });
});

describe('Pacer', () => {
  it('turns the event loop between stretches, and leaves the turn after the last one to the caller', async () => {
    let turns = 0;
    // Interval 0: a turn after every unit.
    const pacer = new Pacer(() => {
      setImmediate(() => turns++);
      return undefined;
    }, 0);
    await pacer.run(0, 10);
    expect(turns).toBe(9);
    await settle();
    expect(turns).toBe(10);
  });

  it('runs every unit once, in order, across stretches and windows', async () => {
    const ran: number[] = [];
    const pacer = new Pacer((from, n) => {
      for (let i = 1; i <= n; i++) ran.push(from + i);
      return undefined;
    });
    await pacer.run(0, 1000);
    await pacer.run(1000, 5000);
    expect(ran).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
  });

  it('awaits an async stretch before the next', async () => {
    const ran: number[] = [];
    const pacer = new Pacer(async (from, n) => {
      await Promise.resolve();
      for (let i = 1; i <= n; i++) ran.push(from + i);
    }, 0);
    await pacer.run(0, 5);
    expect(ran).toEqual([1, 2, 3, 4, 5]);
  });

  it('ends at a step that throws, with its error', async () => {
    const pacer = new Pacer((from) => {
      if (from >= 3) throw new Error('step 4 failed');
      return undefined;
    }, 0);
    await expect(pacer.run(0, 10)).rejects.toThrow('step 4 failed');
  });
});
