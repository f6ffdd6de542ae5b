/**
 * The bench's stand-in for an OpenTelemetry Collector: accepts OTLP/HTTP exports on any path and
 * answers 200 without decoding them, counting requests and bytes. Its own process, so that what
 * it costs is not the services' cost. Reports its port over IPC as runService does; `stats` messages answer queries.
 */
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    exports += 1;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0, metricsPort: 0 });
});
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stats') process.send?.({ type: 'stats', exports, bytes });
});
const close = () => server.close(() => process.exit(0));
process.once('SIGTERM', close);
process.once('disconnect', close);
