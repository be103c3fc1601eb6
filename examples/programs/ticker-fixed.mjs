// The same loop with its history in a ring of the last 1000 records.
import { setInterval } from 'node:timers';

const CAPACITY = 1000;
const history = new Array(CAPACITY);
let tick = 0;
setInterval(() => {
  for (let i = 0; i < 10; i++) {
    tick++;
    history[tick % CAPACITY] = { tick, u: Math.sin(tick / 100), label: `t${tick}` };
  }
}, 10);
