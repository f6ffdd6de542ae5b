import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody } from '@myshop/errors';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** On every answer, as the API's: a scrape is never cached, and nothing sniffs its type. */
const ALWAYS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function answerJson(response: ServerResponse, statusCode: number, code: string, message: string): void {
  response.writeHead(statusCode, { ...ALWAYS, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(errorBody(statusCode, code, message)));
}

/**
 * Serves `GET /metrics` on its own port. The Service and the Ingress only know the app port, so
 * metrics are reachable by Prometheus inside the cluster and never from the internet.
 */
export async function startMetricsServer(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || path !== '/metrics') {
      answerJson(response, 404, 'NOT_FOUND', 'Only GET /metrics is served here');
      return;
    }
    registry.metrics().then(
      (body) => {
        response.writeHead(200, { ...ALWAYS, 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => answerJson(response, 500, 'INTERNAL_SERVER_ERROR', 'Metrics collection failed'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
