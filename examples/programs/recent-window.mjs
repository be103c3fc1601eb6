// A bound reached late: a 1 kHz loop keeps its last 6000 records in a Map (inserted in order, the
// oldest deleted), as a service keeps its recent requests by id. It retains at most 6000 records, ~100 B
// each, and the Map's table: the records fill it in 6 s, and V8 doubles the table (8192 entries to
// 16 384) once the deleted entries it still counts fill it, at ~8 s. From then on its memory is flat:
// a plateau of ~1.2 MiB, not a leak.
import { setInterval } from 'node:timers';

const CAPACITY = 6000;
const recent = new Map();
let tick = 0;
setInterval(() => {
  for (let i = 0; i < 10; i++) {
    tick++;
    recent.set(tick, { tick, u: Math.sin(tick / 100), label: `t${tick}` });
    if (recent.size > CAPACITY) recent.delete(tick - CAPACITY);
  }
}, 10);
