import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { operationsOf, type OpenApiDocument } from './document.ts';
import { probesFor, toWire, type ExampleRequest, type WireRequest } from './requests.ts';
import { ResponseChecker } from './response-conformance.ts';

/** Makes the valid request of one operation, setting up what it needs first (a user, a charge…). */
export type ExampleFactory = () => Promise<ExampleRequest>;

export interface ConformanceOptions {
  app: FastifyInstance;
  /** Where the app serves its document, e.g. `/cart/openapi.json`. */
  documentUrl: string;
  /** A valid request for every operation, keyed as `METHOD /path/{param}` in the document. */
  examples: Record<string, ExampleFactory>;
}

export interface ConformanceReport {
  operations: number;
  requests: number;
  /** `<operation> <request>: <problem>`; empty when the app does what its document says. */
  mismatches: string[];
}

/**
 * Drives an app by its own OpenAPI document: the document must be valid OpenAPI (checked by
 * @seriousme/openapi-schema-validator); then for every operation its valid example and the invalid
 * requests derived from it (requests.ts) are sent, and each answer must have a status the
 * operation declares, a declared media type and a body its schema accepts; an invalid request
 * must get a 4xx, the one expected where the document's platform rules fix it (401, 414, 415…).
 */
export async function checkOpenApiConformance({ app, documentUrl, examples }: ConformanceOptions): Promise<ConformanceReport> {
  const served = await app.inject({ url: documentUrl });
  if (served.statusCode !== 200) return { operations: 0, requests: 1, mismatches: [`${documentUrl} answered ${served.statusCode}`] };
  const document = served.json<OpenApiDocument>();
  const validation = await new Validator().validate(document as unknown as Record<string, unknown>);
  const mismatches = validation.valid ? [] : [`${documentUrl} is not valid OpenAPI: ${JSON.stringify(validation.errors).slice(0, 2000)}`];

  const checker = new ResponseChecker(document);
  const operations = operationsOf(document);
  const limits = {
    bodyLimitBytes: app.initialConfig.bodyLimit ?? 1_048_576,
    maxParamLength: app.initialConfig.routerOptions?.maxParamLength ?? 100,
  };
  let requests = 1;
  const send = async (request: WireRequest) => {
    requests += 1;
    const answer = await app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers,
      payload: request.payload,
    });
    return { statusCode: answer.statusCode, headers: answer.headers, body: answer.body };
  };

  // What a generated client names its methods by: each operation has its own.
  const ids = operations.map((entry) => entry.operation.operationId);
  for (const entry of operations) {
    const id = entry.operation.operationId;
    if (id === undefined) mismatches.push(`${entry.key}: no operationId`);
    else if (ids.indexOf(id) !== ids.lastIndexOf(id)) mismatches.push(`${entry.key}: operationId ${id} is not unique`);
  }
  for (const key of Object.keys(examples).filter((key) => !operations.some((entry) => entry.key === key))) {
    mismatches.push(`${key}: an example for an operation the document does not have`);
  }
  for (const entry of operations) {
    const makeExample = examples[entry.key];
    if (!makeExample) {
      mismatches.push(`${entry.key}: no example request (add one to the service's conformance table)`);
      continue;
    }
    const example = await makeExample();
    const answer = await send(toWire(entry, example));
    const wanted = example.status;
    const statusProblem =
      wanted === undefined
        ? answer.statusCode >= 300
          ? [`answered ${answer.statusCode}, not a 2xx: ${answer.body.slice(0, 200)}`]
          : []
        : answer.statusCode !== wanted
          ? [`answered ${answer.statusCode}, not ${wanted}: ${answer.body.slice(0, 200)}`]
          : [];
    for (const problem of [...statusProblem, ...checker.problems(entry, answer)])
      mismatches.push(`${entry.key} (valid request): ${problem}`);

    // A fresh example: the valid request may have used up what it set up (a key, a cart line).
    const base = await makeExample();
    for (const probe of probesFor(document, entry, base, limits)) {
      const probed = await send(probe.request);
      const problems = checker.problems(entry, probed);
      if (probe.expected !== undefined && probed.statusCode !== probe.expected) {
        problems.unshift(`answered ${probed.statusCode}, expected ${probe.expected}: ${probed.body.slice(0, 200)}`);
      } else if (probe.expected === undefined && probed.statusCode >= 500) {
        problems.unshift(`answered ${probed.statusCode}: bad input must get a 4xx`);
      }
      for (const problem of problems) mismatches.push(`${entry.key} (${probe.label}): ${problem}`);
    }
  }
  return { operations: operations.length, requests, mismatches };
}
