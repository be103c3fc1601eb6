// A CPU-bound loop for measuring what watching costs: for 10 s it does a small unit of work per tick,
// yielding to the event loop every 1000 ticks (so timers, and a watcher's readings, run), then prints
// its ticks per second and ends.
import { setImmediate } from 'node:timers';

const SECONDS = Number(process.argv[2] ?? 10);
const end = performance.now() + SECONDS * 1000;
let ticks = 0;
let state = 0;
function chunk() {
  for (let i = 0; i < 1000; i++, ticks++) state = (state * 1103515245 + 12345 + i) % 2147483648;
  if (performance.now() < end) setImmediate(chunk);
  else console.log(JSON.stringify({ ticksPerSecond: Math.round(ticks / SECONDS), state }));
}
chunk();
