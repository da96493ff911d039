/**
 * The model-token budget of /query (RAGD_TOKEN_BUDGET_PER_MINUTE, remote generators only): before
 * generation, reserve an estimate of the tokens the answer may cost (prompt + RAGD_GENERATE_MAX_TOKENS)
 * against the caller's budget, refusing with 429 + Retry-After when it cannot cover it; afterwards
 * settle to an estimate of what was used, for JSON answers and streams alike (a stream settles when
 * it ends, fails or the client goes away). With no budget configured both steps are no-ops.
 *
 * Token counts are estimated from characters (QueryDone carries no provider usage): ~4 characters
 * per token, OpenAI's rule of thumb for English, applied to the question, the sources and the answer.
 */
import type { FastifyRequest } from 'fastify';
import type { QueryEvent } from '../rag/query-service.js';
import { rateLimitIdentity } from '../rate-limit/rate-limit-plugin.js';
import type { TokenReservation } from '../rate-limit/token-budget.js';
import type { Runtime } from '../runtime.js';

/** Characters per token for estimates: ~4 for English text with GPT-style BPE tokenizers. */
export const CHARS_PER_TOKEN = 4;
/** Tokens of instructions and formatting around the sources in a prompt (providers/prompt.ts is ~150). */
export const PROMPT_OVERHEAD_TOKENS = 200;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export interface AnswerBudget {
  /** Passes the events through, counting the answer and sources; settles when the stream ends. */
  track(events: AsyncGenerator<QueryEvent>): AsyncGenerator<QueryEvent>;
  /** Settles a JSON answer (or a failure, when `answer` rejects) and returns it. */
  settle<T extends { answer: string; citations: { text: string }[]; reasons?: readonly string[] }>(answer: Promise<T>): Promise<T>;
}

const NO_BUDGET: AnswerBudget = {
  track: (events) => events,
  settle: (answer) => answer,
};

/**
 * Reserves the worst case for one answer to `query` with up to `topK` sources.
 * @throws RAGD_ERR_RATE_LIMITED (429, Retry-After) when the caller's token budget cannot cover it.
 */
export async function reserveAnswerTokens(rt: Runtime, request: FastifyRequest, query: string, topK: number): Promise<AnswerBudget> {
  const budget = request.server.edge?.tokenBudget;
  if (!budget) return NO_BUDGET;
  const worstCase = PROMPT_OVERHEAD_TOKENS + estimateTokens(query.length + topK * rt.config.chunking.size) + rt.config.generator.maxTokens;
  const reservation = await budget.reserve(`tokens:${rateLimitIdentity(request)}`, worstCase);
  const promptTokens = (sourceChars: number) => PROMPT_OVERHEAD_TOKENS + estimateTokens(query.length + sourceChars);
  return {
    track: (events) => trackStream(reservation, events, promptTokens),
    async settle(answer) {
      try {
        const res = await answer;
        // An extractive fallback answer cost no generated tokens (the prompt may have been sent).
        const generated = res.reasons?.includes('generation_unavailable') ? 0 : estimateTokens(res.answer.length);
        await reservation.settle(promptTokens(res.citations.reduce((n, c) => n + c.text.length, 0)) + generated);
        return res;
      } catch (err) {
        await reservation.settle(0);
        throw err;
      }
    },
  };
}

async function* trackStream(
  reservation: TokenReservation,
  events: AsyncGenerator<QueryEvent>,
  promptTokens: (sourceChars: number) => number,
): AsyncGenerator<QueryEvent> {
  let answerChars = 0;
  let sourceChars = 0;
  let fallback = false;
  try {
    for await (const ev of events) {
      if (ev.type === 'delta') answerChars += ev.text.length;
      else if (ev.type === 'citations') sourceChars = ev.citations.reduce((n, c) => n + c.text.length, 0);
      else fallback = ev.done.reasons.includes('generation_unavailable');
      yield ev;
    }
  } finally {
    await reservation.settle(
      answerChars === 0 && sourceChars === 0 ? 0 : promptTokens(sourceChars) + (fallback ? 0 : estimateTokens(answerChars)),
    );
  }
}
