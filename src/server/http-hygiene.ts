/**
 * HTTP hygiene for an API server: security headers (helmet): OWASP's API set on API responses and
 * helmet's full set, with a Content-Security-Policy they work under, on the same-origin pages ragd
 * serves (/docs, /dashboard); CORS for configured origins only,
 * and response compression (brotli or gzip) for bodies over 1 KB, never for event streams.
 */
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

/** Bodies smaller than this are sent as they are: 1 KB, below which headers and CPU cost more than the bytes saved. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;
/** Response encodings offered, in the server's order of preference (brotli compresses JSON ~15% smaller than gzip). */
export const COMPRESSION_ENCODINGS = ['br', 'gzip'] as const;
/**
 * What gets compressed: text and JSON-ish types, explicitly not `text/event-stream`, because a
 * compressor buffers and SSE must reach the client event by event. (SSE replies are also written
 * to the raw socket, which compression never touches; this keeps that true if that ever changes.)
 */
export const COMPRESSIBLE_TYPES =
  /^text\/(?!event-stream)|(?:\+|\/)json(?:;|$)|(?:\+|\/)xml(?:;|$)|^application\/(?:javascript|x-yaml)(?:;|$)|^image\/svg\+xml/u;
/** Preflight results are cached by browsers for 10 minutes (Chromium's cap is 2 h; 10 min lets config changes land). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Same-origin everything. `img-src data:` covers the inline icons of swagger-ui and the dashboard;
 * nothing is loaded from elsewhere, and nothing may frame ragd. (The dashboard sets its own,
 * stricter policy on its responses.)
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Response headers a browser client may read (request id, rate limits, degradation, caching). */
const EXPOSED_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'x-ragd-degraded', 'x-cache', 'www-authenticate'];

/**
 * What API responses (JSON, problem+json, event streams, metrics) carry, after OWASP's REST
 * Security Cheat Sheet ("Security Headers": the headers to include in all API responses):
 * `Cache-Control: no-store` (answers quote the documents they cite: no shared or browser cache may
 * keep them), a CSP that lets the response load and be framed by nothing, HSTS, `nosniff` and
 * `X-Frame-Options: DENY`; plus `Referrer-Policy` and a same-site `Cross-Origin-Resource-Policy`.
 * The rest of helmet's set (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) governs HTML documents, so it goes on the
 * pages ragd serves (/docs, /dashboard; see {@link staticSecurityHeaders}) and not on every API
 * answer, where each header is bytes and per-response work for nothing.
 */
export const API_CONTENT_SECURITY_POLICY = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/** Paths whose responses are HTML pages (or their assets) and get helmet's whole set. */
const PAGE_PATH = /^\/(docs|dashboard)(\/|$|\?)/;

/** Whether `url` is one of ragd's HTML pages or their assets (rather than an API response). */
export function isPagePath(url: string): boolean {
  // One character test first: API paths start with /api, /health, /metrics, /openapi.json.
  const c = url.charCodeAt(1);
  return (c === 100 /* d */ || c === 68) && PAGE_PATH.test(url);
}

/**
 * The security headers helmet sets for ragd's options, computed once. helmet's middleware writes the
 * same static set on every response (no nonces are configured), so it is run once against a
 * recording response and the result applied per request as a plain object: @fastify/helmet rebuilt
 * the middleware per request (parsing the CSP each time) and running helmet per request set a dozen
 * raw headers, together ~7% of an exact-cache-hit request. helmet also removes X-Powered-By, which
 * Fastify never sets.
 * `api`: the API response set (see {@link API_CONTENT_SECURITY_POLICY}); otherwise the page set.
 */
export function staticSecurityHeaders(kind: 'page' | 'api' = 'page'): Readonly<Record<string, string>> {
  const middleware =
    kind === 'page'
      ? helmet({
          contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
          // An API answers cross-origin readers through CORS; CORP same-origin would only break no-cors embeds it never serves.
          crossOriginResourcePolicy: { policy: 'same-site' },
        })
      : helmet({
          contentSecurityPolicy: { useDefaults: false, directives: API_CONTENT_SECURITY_POLICY },
          crossOriginResourcePolicy: { policy: 'same-site' },
          frameguard: { action: 'deny' },
          crossOriginOpenerPolicy: false,
          originAgentCluster: false,
          xDnsPrefetchControl: false,
          xDownloadOptions: false,
          xPermittedCrossDomainPolicies: false,
          xXssProtection: false,
        });
  const headers: Record<string, string> = {};
  let finished = false;
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(): void {},
  };
  middleware({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    finished = true;
  });
  // helmet is synchronous today; if a version ever is not, fail at start rather than send no headers.
  if (!finished || Object.keys(headers).length === 0) throw new Error('helmet did not produce its headers synchronously');
  if (kind === 'api') headers['cache-control'] = 'no-store';
  return Object.freeze(headers);
}

export interface HttpHygieneOptions {
  /** Allowed CORS origins (`*` for any); empty: no CORS headers at all. */
  corsOrigins: readonly string[];
  compression: boolean;
}

export async function registerHttpHygiene(app: FastifyInstance, options: HttpHygieneOptions): Promise<void> {
  const pageHeaders = staticSecurityHeaders('page');
  const apiHeaders = staticSecurityHeaders('api');
  // Callback style (no promise per request); the headers go to Fastify's reply, not the raw
  // response, so Node writes them in one pass with the rest instead of merging two header sets.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(isPagePath(request.url) ? pageHeaders : apiHeaders);
    done();
  });
  if (options.corsOrigins.length > 0) {
    const any = options.corsOrigins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : [...options.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
      // Credentials are headers (Authorization, X-API-Key), never cookies.
      credentials: false,
    });
  }
  if (options.compression) {
    await app.register(compress, {
      global: true,
      encodings: [...COMPRESSION_ENCODINGS],
      threshold: COMPRESSION_THRESHOLD_BYTES,
      customTypes: COMPRESSIBLE_TYPES,
      // Compressed request bodies are not accepted: one less decompression-bomb surface.
      requestEncodings: ['identity'],
    });
  }
}
