/**
 * Generator: writes an answer to a question from numbered sources, citing them as [1], [2], ...
 * Implementations: `extractive` (default; picks sentences from the sources verbatim, never invents
 * text), `ollama` (/api/chat) and `openai` (OpenAI-compatible /v1/chat/completions). All stream.
 *
 * Contract:
 * - `stream` yields `delta` events whose concatenated text is the answer, then at most one `usage`.
 * - Honours `options.signal` / `options.deadline`; an abort ends the iteration by throwing.
 * - Failures throw RagdError with a RAGD_ERR_PROVIDER_* code. A failure before the first delta can
 *   be retried or fallen back from; after it, callers must surface an error, never a clean end.
 */
import type { CallOptions } from './call-options.js';

export type GeneratorKind = 'extractive' | 'ollama' | 'openai';

export interface GenerateSource {
  /** 1-based citation number as it appears in the answer: [index]. */
  index: number;
  title: string;
  text: string;
}

export interface GenerateRequest {
  question: string;
  sources: GenerateSource[];
  /** Upper bound on generated tokens (remote generators). */
  maxTokens?: number;
  temperature?: number;
}

export type GenerateEvent =
  | { type: 'delta'; text: string }
  | { type: 'usage'; promptTokens: number; completionTokens: number }
  /** Which model is answering, when a wrapper chose among several (sent before the first delta). */
  | { type: 'model'; provider: string; model: string };

export interface Generator {
  readonly kind: GeneratorKind;
  readonly model: string;
  stream(request: GenerateRequest, options: CallOptions): AsyncIterable<GenerateEvent>;
  probe(options: CallOptions): Promise<void>;
  close(): Promise<void>;
}

/** Runs a generator to completion and returns the whole answer. */
export async function generateText(
  generator: Generator,
  request: GenerateRequest,
  options: CallOptions,
): Promise<{ text: string; promptTokens?: number; completionTokens?: number }> {
  let text = '';
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  for await (const ev of generator.stream(request, options)) {
    if (ev.type === 'delta') text += ev.text;
    else if (ev.type === 'usage') {
      promptTokens = ev.promptTokens;
      completionTokens = ev.completionTokens;
    }
  }
  return {
    text,
    ...(promptTokens === undefined ? {} : { promptTokens }),
    ...(completionTokens === undefined ? {} : { completionTokens }),
  };
}
