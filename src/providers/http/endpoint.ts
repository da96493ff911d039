/** Builds provider endpoint URLs from a configured base URL, validating it once at construction. */
import { RagdError } from '../../errors/ragd-error.js';

/**
 * `base` with `path` appended (`http://h:1/v1/` + `/models` -> `http://h:1/v1/models`).
 * @throws RagdError RAGD_ERR_CONFIG when `base` is not an absolute http(s) URL.
 */
export function endpoint(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch (err) {
    throw new RagdError('RAGD_ERR_CONFIG', `provider URL is not a valid absolute URL: ${base}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RagdError('RAGD_ERR_CONFIG', `provider URL must be http or https: ${base}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new RagdError('RAGD_ERR_CONFIG', 'provider URL must not carry credentials; use the API key setting');
  }
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = '';
  url.hash = '';
  return url;
}
