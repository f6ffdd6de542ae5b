import { ValidationError } from '@myshop/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { addBodyRouteHook } from './body-route-hooks.ts';

/**
 * Where in `value` a string (or an object key) holds text PostgreSQL cannot store: a NUL
 * character (refused in text and jsonb) or an unpaired UTF-16 surrogate (refused by jsonb,
 * silently replaced by U+FFFD in text). `undefined` when there is none.
 */
export function unstorableTextAt(value: unknown, path = 'body'): string | undefined {
  const pending: Array<[unknown, string]> = [[value, path]];
  while (pending.length > 0) {
    const [item, at] = pending.pop()!;
    if (typeof item === 'string') {
      if (!isStorable(item)) return at;
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => pending.push([element, `${at}/${index}`]));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        if (!isStorable(key)) return `${at} (a key)`;
        pending.push([element, `${at}/${key}`]);
      }
    }
  }
  return undefined;
}

function isStorable(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

/**
 * Refuses request bodies holding text the database cannot store, with a 400 naming the field,
 * before validation: otherwise any free-text field (a name, a description, metadata) would pass
 * its schema and fail in the query as a 500. No client has a use for either character.
 */
async function storableText(app: FastifyInstance): Promise<void> {
  addBodyRouteHook(app, 'preValidation', async (request) => {
    if (request.body === undefined || request.body === null) return;
    const at = unstorableTextAt(request.body);
    if (at !== undefined) {
      throw Object.assign(new ValidationError(`${at} contains a character that is not allowed (NUL or an unpaired surrogate)`), {
        validation: [],
        validationContext: 'body',
      });
    }
  });
}

export const storableTextPlugin = fp(storableText, { name: '@myshop/storable-text', fastify: '5.x' });
