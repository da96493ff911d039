/**
 * NDJSON reader (newline-delimited JSON, Ollama's streaming format): yields one parsed value per
 * non-empty line. Bytes are decoded as a UTF-8 stream, so a character split across chunks is
 * kept whole. A line that is not JSON is RAGD_ERR_PROVIDER_RESPONSE; errors from the source
 * propagate unchanged, and stopping early returns the source (which aborts the body).
 */
import { type ProviderName, responseError } from './provider-error.js';

/** Longest line accepted, in characters; a provider sending more without a newline is broken. */
const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Parses `source` as NDJSON.
 * @throws RagdError RAGD_ERR_PROVIDER_RESPONSE for a line that is not JSON or is over 1 MiB.
 */
export async function* readNdjson(
  source: AsyncIterable<Uint8Array | string>,
  provider: ProviderName,
): AsyncGenerator<unknown, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let buffered = '';
  for await (const chunk of source) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== '') yield parseLine(line, provider);
    }
    if (buffered.length > MAX_LINE_CHARS) throw responseError(provider, 'stream line exceeds 1 MiB');
  }
  buffered += decoder.decode();
  if (buffered.trim() !== '') yield parseLine(buffered, provider);
}

function parseLine(line: string, provider: ProviderName): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (err) {
    throw responseError(provider, 'stream line is not JSON', err);
  }
}
