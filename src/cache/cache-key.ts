/**
 * Cache keys: everything that can change an answer goes into the key, hashed over canonical JSON
 * so field order never matters. Versioned (`v1`) so a change to what goes in invalidates old keys.
 */
import { canonicalHash } from './canonical-json.js';

/** What makes two /query answers the same. */
export interface AnswerKeyInput {
  tenant: string;
  collection: string;
  /** Bumped by every ingest or delete in the collection, so new content never hits old answers. */
  collectionVersion: string | number;
  /** Raw query text; normalised with `normaliseQuery` before hashing. */
  query: string;
  /** Retrieval mode, e.g. `hybrid`, `vector`, `lexical`. */
  mode: string;
  topK: number;
  /** Metadata filter as the caller sent it (undefined counts as null). */
  filter?: unknown;
  embedderModel: string;
  generatorModel: string;
  /** Everything else that changes generation: temperature, max tokens, prompt version... */
  generatorParams?: Record<string, unknown>;
}

/** The fields of AnswerKeyInput that bound a semantic-cache partition: all but the query text. */
export type PartitionKeyInput = Omit<AnswerKeyInput, 'query'>;

const TRAILING_PUNCTUATION = /[\p{P}\s]+$/u;
const WHITESPACE = /\s+/gu;

/**
 * NFKC, lower case, runs of whitespace collapsed to one space, trimmed, trailing punctuation
 * removed: "  What is  RAG?! " and "what is rag" are one question.
 */
export function normaliseQuery(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(WHITESPACE, ' ').trim().replace(TRAILING_PUNCTUATION, '');
}

/** Key for the exact answer cache: `ans:v1:<sha256 hex>`. */
export function answerCacheKey(input: AnswerKeyInput): string {
  return `ans:v1:${canonicalHash({ ...fields(input), query: normaliseQuery(input.query) })}`;
}

/**
 * Hard partition for the semantic answer cache: `sem:v1:<sha256 hex>` over everything but the
 * query. Cached questions are compared only within one partition. The embedder model is included
 * as well, because similarities between vectors of different models mean nothing.
 */
export function semanticPartitionKey(input: PartitionKeyInput): string {
  return `sem:v1:${canonicalHash(fields(input))}`;
}

/** Key for the embedding cache: `emb:v1:<model>:<sha256 hex of the exact text>` (no normalisation: embedders see case). */
export function embeddingCacheKey(model: string, textHash: string): string {
  return `emb:v1:${model}:${textHash}`;
}

/** Tag carried by every cached value derived from a collection, for purges. */
export function collectionTag(tenant: string, collection: string): string {
  return `collection:${encodeURIComponent(tenant)}/${encodeURIComponent(collection)}`;
}

function fields(input: PartitionKeyInput): Record<string, unknown> {
  return {
    tenant: input.tenant,
    collection: input.collection,
    collectionVersion: String(input.collectionVersion),
    mode: input.mode,
    topK: input.topK,
    filter: input.filter ?? null,
    embedderModel: input.embedderModel,
    generatorModel: input.generatorModel,
    generatorParams: input.generatorParams ?? {},
  };
}
