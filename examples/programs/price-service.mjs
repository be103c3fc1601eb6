// A small HTTP service whose cache grows: every quote it computes is memoised by its full query, and
// nothing ever evicts one. Its own client asks for a new quote every millisecond (a sweep over items and
// dates, as a dashboard or a batch job does), so the program is whole: `node price-service.mjs`.
// With --fixed, the cache keeps the 1000 most recent quotes (a Map used as an LRU).
import { Buffer } from 'node:buffer';
import { createServer, request, Agent } from 'node:http';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';

const FIXED = process.argv.includes('--fixed');
const CAPACITY = 1000;
/** Quotes by query: ~200 B each (the key, the quote object, the Map's entry). */
const quotes = new Map();

function quote(item, day) {
  const key = `${item}@${day}`;
  let q = quotes.get(key);
  if (q === undefined) {
    q = { item, day, price: Math.round(1000 * (10 + Math.sin(item) + day / 365)) / 1000, currency: 'EUR' };
    quotes.set(key, q);
    if (FIXED && quotes.size > CAPACITY) quotes.delete(quotes.keys().next().value);
  }
  return q;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const body = JSON.stringify(quote(Number(url.searchParams.get('item')), Number(url.searchParams.get('day'))));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let n = 0;
  const ask = () => {
    n++;
    const req = request({ port, agent, path: `/quote?item=${n % 500}&day=${Math.floor(n / 500)}` }, (res) => {
      res.resume();
      res.on('end', () => setTimeout(ask, 1));
    });
    req.end();
  };
  ask();
});
// SIGTERM (the end of a watch, or a deploy) closes it.
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections());
