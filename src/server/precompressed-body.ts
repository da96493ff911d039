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

/**
 * The forms of one body as sent, made as they are asked for: compressed per encoding, and
 * `identity`, its UTF-8 bytes. A Buffer body goes to the socket as it is; a string body is first
 * joined to the header block (a new ~4.5 KB string per response for an answer), measured for
 * Content-Length and encoded to bytes again, every time.
 */
export type CompressedForms = Partial<Record<Encoding | 'identity', Buffer>>;

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
 * on `reply`, or its UTF-8 bytes (made once, kept in `forms.identity`) when the client takes no
 * compression, compression is off, or the body is under the threshold the plugin would apply.
 */
export function cachedBody(request: FastifyRequest, reply: FastifyReply, body: string, forms: CompressedForms, enabled: boolean): Buffer {
  const encoding = enabled && body.length >= COMPRESSION_THRESHOLD_BYTES ? negotiatedEncoding(request) : undefined;
  if (encoding === undefined) return (forms.identity ??= Buffer.from(body, 'utf8'));
  const buf = (forms[encoding] ??= compress(body, encoding));
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'accept-encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(String(vary))) reply.header('vary', `${String(vary)}, accept-encoding`);
  reply.header('content-encoding', encoding);
  reply.header('content-length', buf.length);
  return buf;
}
