/**
 * JSON body parser that rejects invalid UTF-8 instead of silently replacing it with U+FFFD (which
 * Fastify's default string decoding does), then parses with Fastify's own prototype-poisoning-safe
 * parser. Bad bytes -> RAGD_ERR_INVALID_UTF8; bad JSON -> RAGD_ERR_MALFORMED_JSON.
 */
import type { FastifyInstance } from 'fastify';
import { RagdError } from '../../errors/ragd-error.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decoder.decode(body as Buffer);
    } catch {
      done(new RagdError('RAGD_ERR_INVALID_UTF8', 'request body is not valid UTF-8', { details: { field: 'body' } }), undefined);
      return;
    }
    if (text.trim() === '') {
      done(new RagdError('RAGD_ERR_MALFORMED_JSON', 'body is empty; send a JSON object', { details: { field: 'body' } }), undefined);
      return;
    }
    parseJson(request, text, (err, value) => {
      if (err) {
        done(new RagdError('RAGD_ERR_MALFORMED_JSON', `body is not valid JSON: ${err.message}`, { details: { field: 'body' } }), undefined);
      } else done(null, value);
    });
  });
}
