import { createHttpClient, type HttpClient } from '@myshop/http-client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface PaymentClientOptions {
  baseUrl: string;
  timeoutMs: number;
  userAgent: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The payment service, reached over HTTP with keep-alive and a deadline on every call. */
    payment: HttpClient;
  }
}

/** One client per app; its sockets close with the app. Not a readiness check: cart serves its catalogue while payment is down. */
async function paymentClient(app: FastifyInstance, options: PaymentClientOptions): Promise<void> {
  const client = createHttpClient({
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    userAgent: options.userAgent,
    // Every call timed by outcome in http_client_request_duration_seconds{target="payment"}.
    metricsRegistry: app.metrics.registry,
    target: 'payment',
  });
  app.decorate('payment', client);
  app.addHook('onClose', async () => client.close());
}

export const paymentClientPlugin = fp(paymentClient, { name: 'payment-client', fastify: '5.x' });
