/**
 * Server-sent events reader (OpenAI's streaming format), following the WHATWG event-stream
 * parsing rules: lines end in CRLF, LF or CR; `field: value` with one optional space stripped;
 * multi-line `data` joined with LF; a blank line dispatches; comments (`:`) are ignored.
 * Hand-written because undici's EventSource owns its own connection and cannot read a POST
 * response body. Errors from the source propagate; stopping early returns the source. One leniency:
 * complete `data` lines left at end of stream are dispatched (see the end of `readSse`).
 */
import { type ProviderName, responseError } from './provider-error.js';

/** Longest line accepted, in characters; a provider sending more without a line break is broken. */
const MAX_LINE_CHARS = 1024 * 1024;

export interface SseEvent {
  /** `event:` field; "message" when absent. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses `source` as an event stream, yielding each dispatched event with data.
 * @throws RagdError RAGD_ERR_PROVIDER_RESPONSE for a line over 1 MiB.
 */
export async function* readSse(
  source: AsyncIterable<Uint8Array | string>,
  provider: ProviderName,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let buffered = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;

  const dispatch = (): SseEvent | undefined => {
    const out =
      data.length === 0
        ? undefined
        : { event: event === '' ? 'message' : event, data: data.join('\n'), ...(id === undefined ? {} : { id }) };
    data = [];
    event = '';
    return out;
  };

  function* takeLines(final: boolean): Generator<SseEvent> {
    for (;;) {
      const end = buffered.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (!final && buffered[end] === '\r' && end === buffered.length - 1) break;
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + (buffered.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        const ev = dispatch();
        if (ev !== undefined) yield ev;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  }

  for await (const chunk of source) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    yield* takeLines(false);
    if (buffered.length > MAX_LINE_CHARS) throw responseError(provider, 'event-stream line exceeds 1 MiB');
  }
  buffered += decoder.decode();
  yield* takeLines(true);
  // The spec discards an event whose blank line never came; some LLM servers end with
  // "data: [DONE]\n" and no blank line, so a complete final event is dispatched instead.
  const last = dispatch();
  if (last !== undefined) yield last;
}
