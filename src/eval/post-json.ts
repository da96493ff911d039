/**
 * One JSON POST over undici, for tools that drive ragd from outside (evaluation, benchmark
 * seeding). Non-2xx answers become errors carrying the status and the start of the body, so a
 * failed seed or ingest says why instead of producing silently empty figures.
 */
import { request } from 'undici';

/** Status, lower-cased headers and parsed JSON body (`undefined` for an empty body). */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/**
 * POSTs `body` as JSON to `url` and parses the JSON answer.
 * Throws an `Error` naming the URL and status when the answer is not 2xx (unless `allowStatus`
 * accepts it) or is not valid JSON.
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; allowStatus?: (status: number) => boolean } = {},
): Promise<JsonResponse> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  if (!ok && !(options.allowStatus?.(res.statusCode) ?? false)) {
    throw new Error(`POST ${url} answered ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`POST ${url} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}
