import { createLogger } from '@myshop/logging';
import { createFastify } from '@myshop/server';
import pino from 'pino';
import { openSync } from 'node:fs';

const level = process.argv[2] ?? 'info';
const dest = pino.destination({ fd: openSync(process.argv[3] ?? '/dev/null', 'w'), sync: true });
const logger = createLogger({ service: 'cart', level, destination: dest });
const app = createFastify({ logger, bodyLimitBytes: 65536, requestTimeoutMs: 10000 });
const page = JSON.stringify({ items: Array.from({ length: 26 }, (_, i) => ({ id: i, name: `product ${i}`, price: 1000 + i })) });
app.get('/cart/products', async (_req, reply) => reply.type('application/json').send(page));
await app.ready();
const N = 20000;
for (let i = 0; i < 3000; i++) await app.inject({ url: '/cart/products', headers: { host: 'myshop.com', 'x-forwarded-for': '10.0.0.1' } });
let best = Infinity;
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await app.inject({ url: '/cart/products', headers: { host: 'myshop.com', 'x-forwarded-for': '10.0.0.1' } });
  best = Math.min(best, ((performance.now() - t) * 1000) / N);
}
console.log(level, process.argv[3] ?? '/dev/null', best.toFixed(2), 'µs/req');
