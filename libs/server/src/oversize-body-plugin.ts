import { Readable } from 'node:stream';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { addBodyRouteHook, BODYLESS_METHODS } from './body-route-hooks.ts';
import { bodyWithheld } from './expect-continue.ts';

/**
 * How much of a refused body is read (and thrown away) before answering: ingress-nginx's default
 * `client_max_body_size`, so that even an edge left at its default never sees a reset.
 */
export const DEFAULT_DRAIN_CAP_BYTES = 1_048_576;

export interface OversizeBodyOptions {
  /** Bytes of a refused body read and discarded before answering 413 (at least the body limit). */
  drainCapBytes?: number;
}

const tooLarge = () => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();

/**
 * Answers a body over the limit with 413 only once the body has arrived, read and discarded, up
 * to a cap. A proxy such as nginx sends the whole body before it reads the answer: a service that
 * answers and closes while bytes are still coming makes its kernel reset the connection, the
 * proxy's write fails (EPIPE) and the client gets the proxy's 502 instead of this 413. Past the
 * cap the 413 goes out with `Connection: close` and the rest is not read: the cap (with the
 * server's requestTimeout) bounds what a hostile client can make us read.
 */
async function oversizeBody(app: FastifyInstance, options: OversizeBodyOptions): Promise<void> {
  addBodyRouteHook(app, 'preParsing', async (request, reply, payload) => {
    // A GET to a route that also takes a POST.
    if (BODYLESS_METHODS.has(request.method)) return payload;
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? DEFAULT_DRAIN_CAP_BYTES;
    const cap = Math.max(options.drainCapBytes ?? DEFAULT_DRAIN_CAP_BYTES, limit);
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      // Fastify refuses a declared length before reading a byte: read it first, then refuse. A
      // client still waiting to be told to continue sends nothing to read (expect-continue.ts).
      if (bodyWithheld(request.raw) || declared > cap || !(await discard(payload, cap))) reply.header('connection', 'close');
      throw tooLarge();
    }
    // Asked to continue by a route whose limit is above the server's: the body is wanted after all.
    if (bodyWithheld(request.raw) && !reply.raw.headersSent) reply.raw.writeContinue();
    // A chunked body: counted as it arrives, refused once it has ended (or passed the cap).
    return Number.isNaN(declared) ? new BodyWithinLimit(payload, limit, cap) : payload;
  });
}

/** Reads `payload` to its end, discarding it; false when it passed `cap` (or broke) first. */
function discard(payload: FastifyRequest['raw'] | Readable, cap: number): Promise<boolean> {
  return new Promise((resolve) => {
    let received = 0;
    const finish = (drained: boolean) => {
      payload.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > cap) {
        payload.pause();
        finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onFailure = () => finish(false);
    payload.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onFailure);
    payload.resume();
  });
}

/**
 * The body as Fastify reads it, never past `limit`: beyond it the rest is discarded until the
 * body ends (then the 413 error) or passes `cap` (the 413 error at once). Started by the first
 * read, so a body nobody parses (an unknown media type) is left to Node, which discards it.
 */
class BodyWithinLimit extends Readable {
  private received = 0;
  private started = false;
  private readonly source: Readable;
  private readonly limit: number;
  private readonly cap: number;

  constructor(source: Readable, limit: number, cap: number) {
    super();
    this.source = source;
    this.limit = limit;
    this.cap = cap;
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      this.source.on('data', this.onData).on('end', this.onEnd).on('error', this.onError);
    }
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.source.off('data', this.onData).off('end', this.onEnd).off('error', this.onError);
    callback(error);
  }

  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.length;
    if (this.received <= this.limit) {
      if (!this.push(chunk)) this.source.pause();
    } else if (this.received > this.cap) {
      this.source.pause();
      this.destroy(tooLarge());
    }
  };

  private readonly onEnd = () => {
    if (this.received > this.limit) this.destroy(tooLarge());
    else this.push(null);
  };

  private readonly onError = (error: Error) => this.destroy(error);
}

export const oversizeBodyPlugin = fp(oversizeBody, { name: '@myshop/oversize-body', fastify: '5.x' });
