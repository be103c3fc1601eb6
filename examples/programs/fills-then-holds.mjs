// A bound reached in the first seconds: ~1.2 MB a second of records for 3 s (~4 MiB), then nothing more.
// It retains every record of those 3 s, and no more after. Watched for 5 s, its readings cannot tell yet
// (the warm-up cut is searched in the first half, and the rise goes on past it): the watch goes on past
// its --duration until they can, and passes, a plateau.
import { setInterval } from 'node:timers';

const FILL_MS = 3000;
const kept = [];
const start = Date.now();
setInterval(() => {
  if (Date.now() - start < FILL_MS) for (let i = 0; i < 100; i++) kept.push({ i, pad: 'x'.repeat(64) });
}, 10);
