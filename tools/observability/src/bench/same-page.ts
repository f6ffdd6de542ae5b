/**
 * The yardstick of `GET /cart/products` in `npm run bench`: a bare Fastify (no logger, no
 * plugins) answering the very bytes the catalogue answered, with its content type, read once from
 * the file the bench saved them to. Its own process, like the services; reports its port over IPC.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.SAME_PAGE_FILE!);
const contentType = process.env.SAME_PAGE_CONTENT_TYPE!;
const app = Fastify({ logger: false });
app.get('/cart/products', (_request, reply) => void reply.type(contentType).send(body));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0, metricsPort: 0 });
const close = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('disconnect', close);
