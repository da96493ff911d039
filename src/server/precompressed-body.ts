/**
 * Compressed bodies of cache hits, made once per cached answer and encoding instead of once per
 * response. A cached answer is immutable and served many times, and @fastify/compress compresses
 * every response body synchronously as it is sent: for a client that accepts brotli or gzip (every
 * browser, undici's fetch, curl --compressed, Python's requests) that was the largest cost of an
 * exact-cache hit — a fresh zlib stream per response (its window and hash tables allocated and
 * cleared) and the compression of ~4 KB of JSON.
 *
 * The negotiation is the plugin's own (@fastify/accept-negotiator over the same encodings, `*` and
 * x-gzip read as gzip, `x-no-compression` honoured), with the same threshold and brotli quality,
 * so a client gets the encoding it would have got from the plugin; the plugin then sees the
 * Content-Encoding and leaves the body alone.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { COMPRESSION_ENCODINGS, COMPRESSION_THRESHOLD_BYTES } from './http-hygiene.js';

/** @fastify/compress's default brotli quality (4: most of the ratio for a fraction of quality 11's CPU). */
export const BROTLI_QUALITY = 4;

type Encoding = (typeof COMPRESSION_ENCODINGS)[number];

/** The compressed forms of one body, made as encodings are asked for. */
export type CompressedForms = Partial<Record<Encoding, Buffer>>;

const GZIP_ALIAS = /\*|x-gzip/gu;

/** The encoding @fastify/compress would choose for `request`, or undefined for none (identity). */
export function negotiatedEncoding(request: FastifyRequest): Encoding | undefined {
  const header = request.headers['accept-encoding'];
  if (header === undefined || request.headers['x-no-compression'] !== undefined) return undefined;
  const chosen = negotiate(header.toLowerCase().replace(GZIP_ALIAS, 'gzip'), COMPRESSION_ENCODINGS as unknown as string[]);
  return chosen === 'br' || chosen === 'gzip' ? chosen : undefined;
}

function compress(body: string, encoding: Encoding): Buffer {
  return encoding === 'br'
    ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(body) } })
    : gzipSync(body);
}

/**
 * What to send for a cached `body` (JSON text): its compressed form from `forms` (made now if this
 * is the first client asking for that encoding) with Content-Encoding, Vary and Content-Length set
 * on `reply`, or `body` itself when the client takes no compression, compression is off, or the body
 * is under the threshold the plugin would apply.
 */
export function cachedBody(request: FastifyRequest, reply: FastifyReply, body: string, forms: CompressedForms, enabled: boolean): string | Buffer {
  if (!enabled || body.length < COMPRESSION_THRESHOLD_BYTES) return body;
  const encoding = negotiatedEncoding(request);
  if (encoding === undefined) return body;
  const buf = (forms[encoding] ??= compress(body, encoding));
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'accept-encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(String(vary))) reply.header('vary', `${String(vary)}, accept-encoding`);
  reply.header('content-encoding', encoding);
  reply.header('content-length', buf.length);
  return buf;
}
