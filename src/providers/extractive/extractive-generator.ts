/**
 * The extractive generator: answers by quoting source sentences verbatim (see extract-answer.ts).
 * No model, no network, no invented text: the default generator, and the fallback when a remote
 * generator is down.
 */
import { DEFAULT_GENERATE_MODELS } from '../../config/defaults.js';
import type { CallOptions } from '../call-options.js';
import type { GenerateEvent, GenerateRequest, Generator } from '../generator.js';
import { throwIfCallStopped } from '../local/call-guard.js';
import { extractAnswer, formatQuote, type ExtractiveOptions } from './extract-answer.js';

const DEPENDENCY = 'extractive generator';

/**
 * Generator of kind `extractive`, model `extractive-v1`. `maxTokens` and `temperature` are
 * ignored: length is bounded by sentence count and a character budget instead.
 * @throws RagdError RAGD_ERR_CLIENT_CLOSED / RAGD_ERR_TIMEOUT from `stream` when the call is aborted or past its deadline.
 */
export class ExtractiveGenerator implements Generator {
  readonly kind = 'extractive' as const;
  readonly model: string = DEFAULT_GENERATE_MODELS.extractive;

  constructor(private readonly options: ExtractiveOptions = {}) {}

  /**
   * Yields one `delta` per quoted sentence (`sentence [n]`, later ones preceded by a space), or a
   * single delta with the fixed no-answer sentence. No `usage` event: no tokens are spent.
   */
  async *stream(request: GenerateRequest, options: CallOptions): AsyncIterable<GenerateEvent> {
    throwIfCallStopped(options, DEPENDENCY);
    const result = extractAnswer(request.question, request.sources, this.options);
    if (result.sentences.length === 0) {
      yield { type: 'delta', text: result.answer };
      return;
    }
    for (let i = 0; i < result.sentences.length; i++) {
      throwIfCallStopped(options, DEPENDENCY);
      const quote = formatQuote(result.sentences[i] as { text: string; index: number });
      yield { type: 'delta', text: i === 0 ? quote : ` ${quote}` };
    }
  }

  /** Always ready: there is nothing to reach. */
  async probe(_options: CallOptions): Promise<void> {}

  async close(): Promise<void> {}
}
