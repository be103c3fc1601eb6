import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../fixtures/controllers/ring-buffer.ts';

describe('RingBuffer', () => {
  it('holds values oldest first until full', () => {
    const ring = new RingBuffer(3);
    expect(ring.length).toBe(0);
    expect(ring.at(0)).toBeUndefined();
    ring.push(1);
    ring.push(2);
    expect(ring.length).toBe(2);
    expect(ring.toArray()).toEqual([1, 2]);
    expect(ring.at(-1)).toBe(2);
  });

  it('overwrites the oldest once full, and counts every push', () => {
    const ring = new RingBuffer(3);
    for (let i = 1; i <= 7; i++) ring.push(i);
    expect(ring.length).toBe(3);
    expect(ring.written).toBe(7);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect([...ring]).toEqual([5, 6, 7]);
    expect(ring.at(0)).toBe(5);
    expect(ring.at(-1)).toBe(7);
    expect(ring.at(-3)).toBe(5);
    expect(ring.at(3)).toBeUndefined();
    expect(ring.at(-4)).toBeUndefined();
    expect(ring.at(1.5)).toBeUndefined();
  });

  it('clear() empties it and resets the count', () => {
    const ring = new RingBuffer(2);
    ring.push(1);
    ring.push(2);
    ring.push(3);
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.written).toBe(0);
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
  });

  it('keeps full double precision', () => {
    const ring = new RingBuffer(1);
    ring.push(0.1 + 0.2);
    expect(ring.at(0)).toBe(0.1 + 0.2);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects capacity %s', (capacity) => {
    expect(() => new RingBuffer(capacity)).toThrow(/capacity must be a positive integer/);
  });
});
