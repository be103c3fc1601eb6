// A 1 kHz control loop that keeps a ~100-byte status record of every tick: ~100 B per tick, forever.
import { setInterval } from 'node:timers';

const history = [];
let tick = 0;
setInterval(() => {
  for (let i = 0; i < 10; i++) history.push({ tick: ++tick, u: Math.sin(tick / 100), label: `t${tick}` });
}, 10);
