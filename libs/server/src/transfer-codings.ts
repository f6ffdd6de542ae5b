import { defineError } from '@myshop/errors';

const UnknownTransferCoding = defineError(
  'TRANSFER_CODING_NOT_IMPLEMENTED',
  'A body is taken plain or chunked, under no other transfer coding',
  501,
);

/**
 * The refusal of a body sent under a transfer coding besides chunked (`gzip, chunked`), if it was.
 * Node's parser takes the chunks off and hands on the bytes still gzipped, which a parser would
 * then read as if plain; RFC 9112 (section 6.1) answers a transfer coding the server does not
 * implement with 501, as ingress-nginx does in front. Checked in the hook that refuses compressed
 * bodies (uncompressed-bodies.ts), so a body route pays for one hook, not two.
 */
export function unknownTransferCodingError(transferEncoding: string | undefined): Error | undefined {
  if (transferEncoding === undefined) return undefined;
  const codings = transferEncoding.split(',');
  // The parser has already refused a list whose last coding is not chunked (no framing).
  return codings.every((coding) => coding.trim().toLowerCase() === 'chunked') ? undefined : new UnknownTransferCoding();
}
