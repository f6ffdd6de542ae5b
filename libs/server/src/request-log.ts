import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log line per request, written when the answer is finished, instead of Fastify's two
 * ("incoming request" on arrival, "request completed" at the end). Logging was the largest
 * single cost in the services' CPU profiles, and most of it was those two synchronous
 * lines. The one line carries what both did: `req` (method, url, host, remote address, through
 * Fastify's serializer), `res` (status code) and `responseTime` in ms, plus the route template
 * and, through `request.log`, the request id and (tracing on) the trace and span ids.
 *
 * A subclass of Fastify's LogController, its hook for its own lines, rather than
 * `disableRequestLogging` and an onResponse hook: that option is deprecated since Fastify 5.12
 * (FSTDEP023), and it would also silence Fastify's other per-request lines, the response stream
 * and serializer errors among them. A 5xx keeps its own line with the error, from the error
 * handler (@myshop/errors).
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {
    // Nothing on arrival: the line written on completion says what this one did.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    this.answered(error, request, reply, reply.elapsedTime);
  }

  /** The line of an answer, timed by the caller when Fastify did not time it (the router's own errors). */
  answered(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, responseTime: number): void {
    if (this.isLogDisabled(request)) return;
    const line = requestLine(request, reply, responseTime);
    // The response stream failed (the client went away mid-answer…): Fastify's own wording and level.
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** What the line of an unanswered request says of its answer: none reached the client (nginx logs 499). */
const UNANSWERED = { statusCode: 499 };

/**
 * The request line of a request that ended with no answer sent: its client hung up first (its
 * deadline ran out: cart's call to payment, the ingress' read timeout) or its socket broke. Fastify
 * writes no line then (it calls the log controller for answers it sent), so the slowest requests
 * of a slow service would leave no trace in the logs. Called by the metrics plugin, which watches
 * each response's end; the same fields as every request line, status 499.
 */
export function logUnanswered(request: FastifyRequest, responseTime: number): void {
  request.log.info(requestLine(request, UNANSWERED, responseTime), 'request unanswered');
}

/** The fields of every request line, answered or not: the logger's serializers make `req` and `res` of them. */
function requestLine(request: FastifyRequest, res: FastifyReply | typeof UNANSWERED, responseTime: number) {
  return { req: request, res, route: request.routeOptions.url, responseTime };
}
