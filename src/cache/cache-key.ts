/**
 * Cache keys: everything that can change an answer goes into the key, hashed over canonical JSON
 * so field order never matters. Versioned (`v2`) so a change to what goes in invalidates old keys.
 *
 * Built on every /query, so cheap: the fixed fields are one JSON array (injective, and a few times
 * faster than canonical JSON over an object), nested values (filter, generator parameters) are
 * canonical JSON inside it, a frozen generator-parameters object is serialised once, normalised
 * questions are memoised, and the digest is node:crypto's one-shot `hash`.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

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
  const known = normalised.get(text);
  if (known !== undefined) return known;
  const out = text.normalize('NFKC').toLowerCase().replace(WHITESPACE, ' ').trim().replace(TRAILING_PUNCTUATION, '');
  // Repeated questions are what a cache serves; a full memo is dropped whole (cheaper than LRU order).
  if (normalised.size >= NORMALISED_MEMO_ENTRIES) normalised.clear();
  if (text.length <= NORMALISED_MEMO_MAX_CHARS) normalised.set(text, out);
  return out;
}

/** Memoised questions: 4,096 x at most 1 KB keeps the memo under ~10 MB of strings in the worst case. */
const NORMALISED_MEMO_ENTRIES = 4096;
const NORMALISED_MEMO_MAX_CHARS = 1024;
const normalised = new Map<string, string>();

/** Key for the exact answer cache: `ans:v2:<sha256 hex>`. */
export function answerCacheKey(input: AnswerKeyInput): string {
  const memoKey = answerMemoKey(input);
  if (memoKey !== undefined) {
    const known = answerKeys.get(memoKey);
    if (known !== undefined) return known;
  }
  // The partition text is a JSON array, which never holds a raw newline: the first one ends it.
  const key = `ans:v2:${hash('sha256', `${partitionText(input)}\n${normaliseQuery(input.query)}`, 'hex')}`;
  if (memoKey !== undefined) {
    if (answerKeys.size >= ANSWER_KEY_MEMO_ENTRIES) answerKeys.clear();
    answerKeys.set(memoKey, key);
  }
  return key;
}

/**
 * Keys of recently asked questions, by their raw fields: an exact hit is a question asked before,
 * so its key is usually here, skipping the JSON, normalisation and SHA-256 (~2-3 µs per request).
 * 8,192 entries of a few hundred bytes; a full memo is dropped whole.
 */
const ANSWER_KEY_MEMO_ENTRIES = 8192;
const answerKeys = new Map<string, string>();
/** Ids for frozen generator-parameter objects, so the memo key names them without serialising them. */
const paramsIds = new WeakMap<object, number>();
let nextParamsId = 1;

/**
 * An injective text of the raw fields (length-prefixed, so no field can imitate a separator), or
 * undefined when the input is not memoisable: a filter (an object), or generator parameters that
 * are not frozen (they could change under the same identity).
 */
function answerMemoKey(input: AnswerKeyInput): string | undefined {
  if (input.filter != null || input.query.length > NORMALISED_MEMO_MAX_CHARS) return undefined;
  const params = input.generatorParams;
  let paramsId = 0;
  if (params !== undefined) {
    if (!Object.isFrozen(params)) return undefined;
    paramsId = paramsIds.get(params) ?? 0;
    if (paramsId === 0) paramsIds.set(params, (paramsId = nextParamsId++));
  }
  const version = String(input.collectionVersion);
  const { tenant, collection, mode, embedderModel: e, generatorModel: g } = input;
  return `${paramsId}|${input.topK}|${tenant.length}:${tenant}${collection.length}:${collection}${version.length}:${version}${mode.length}:${mode}${e.length}:${e}${g.length}:${g}${input.query}`;
}

/**
 * Hard partition for the semantic answer cache: `sem:v2:<sha256 hex>` over everything but the
 * query. Cached questions are compared only within one partition. The embedder model is included
 * as well, because similarities between vectors of different models mean nothing.
 */
export function semanticPartitionKey(input: PartitionKeyInput): string {
  return `sem:v2:${hash('sha256', partitionText(input), 'hex')}`;
}

/** Key for the embedding cache: `emb:v1:<model>:<sha256 hex of the exact text>` (no normalisation: embedders see case). */
export function embeddingCacheKey(model: string, textHash: string): string {
  return `emb:v1:${model}:${textHash}`;
}

/** Tag carried by every cached value derived from a collection, for purges. */
export function collectionTag(tenant: string, collection: string): string {
  return `collection:${encodeURIComponent(tenant)}/${encodeURIComponent(collection)}`;
}

/** Canonical JSON of frozen generator-parameter objects, which callers build once and reuse. */
const paramsJson = new WeakMap<object, string>();

function generatorParamsJson(params: Record<string, unknown> | undefined): string {
  if (params === undefined) return '{}';
  // Only a frozen object can be memoised: a mutable one could change under the same identity.
  if (!Object.isFrozen(params)) return canonicalJson(params);
  let json = paramsJson.get(params);
  if (json === undefined) paramsJson.set(params, (json = canonicalJson(params)));
  return json;
}

/** Every field but the query, as one JSON array (positions name the fields). */
function partitionText(input: PartitionKeyInput): string {
  return JSON.stringify([
    input.tenant,
    input.collection,
    String(input.collectionVersion),
    input.mode,
    input.topK,
    // undefined and null are the same (no filter); a filter's own keys are canonicalised.
    input.filter == null ? null : canonicalJson(input.filter),
    input.embedderModel,
    input.generatorModel,
    generatorParamsJson(input.generatorParams),
  ]);
}
