/**
 * Cache keys: everything that can change an answer goes into the key, hashed over canonical JSON
 * so field order never matters. Versioned (`v2`) so a change to what goes in invalidates old keys.
 *
 * Built on every /query, so cheap: the fixed fields are one JSON array (injective, and a few times
 * faster than canonical JSON over an object), nested values (filter, generator parameters) are
 * canonical JSON inside it, a frozen generator-parameters object is serialised once, a partition's
 * text and semantic key are memoised, plain-ASCII questions are normalised in one pass (others are
 * memoised), and the digest is node:crypto's one-shot `hash`.
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
  // Most questions are printable ASCII with single spaces: one pass over the characters gives the
  // same result as the general path without its Unicode regular expressions (~0.3 µs against ~2 µs).
  const fast = normaliseAscii(text);
  if (fast !== undefined) return fast;
  const known = normalised.get(text);
  if (known !== undefined) return known;
  const out = text.normalize('NFKC').toLowerCase().replace(WHITESPACE, ' ').trim().replace(TRAILING_PUNCTUATION, '');
  // Repeated questions are what a cache serves; a full memo is dropped whole (cheaper than LRU order).
  if (normalised.size >= NORMALISED_MEMO_ENTRIES) normalised.clear();
  if (text.length <= NORMALISED_MEMO_MAX_CHARS) normalised.set(text, out);
  return out;
}

/** Memoised questions (the general path only): 4,096 x at most 1 KB keeps the memo under ~10 MB of strings in the worst case. */
const NORMALISED_MEMO_ENTRIES = 4096;
const NORMALISED_MEMO_MAX_CHARS = 1024;
const normalised = new Map<string, string>();

const SPACE = 0x20;
/** Last printable ASCII character; DEL and everything above go the general way. */
const ASCII_PRINTABLE_MAX = 0x7e;
/** ASCII characters in \p{P} (checked against the regex in test/cache/cache-key.test.ts). */
const ASCII_PUNCTUATION = new Set('!"#%&\'()*,-./:;?@[\\]_{}');

/**
 * normaliseQuery for printable ASCII without leading, trailing or doubled spaces, or undefined when
 * the text needs the general path. Exact for these inputs: ASCII is unchanged by NFKC, lower-cases to
 * ASCII, has no whitespace to collapse, and its only trailing characters in [\p{P}\s] are
 * ASCII_PUNCTUATION and the space.
 */
function normaliseAscii(text: string): string | undefined {
  let previousSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE) {
      if (previousSpace) return undefined;
      previousSpace = true;
    } else if (c < SPACE || c > ASCII_PRINTABLE_MAX) {
      return undefined;
    } else {
      previousSpace = false;
    }
  }
  if (previousSpace) return undefined;
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === SPACE || ASCII_PUNCTUATION.has(text[end - 1]!))) end--;
  return (end === text.length ? text : text.slice(0, end)).toLowerCase();
}

/** Key for the exact answer cache: `ans:v2:<sha256 hex>`. */
export function answerCacheKey(input: AnswerKeyInput): string {
  const leaf = input.query.length > NORMALISED_MEMO_MAX_CHARS ? undefined : answerKeyLeaf(input);
  const known = leaf?.get(input.query);
  if (known !== undefined) return known;
  // The partition text is a JSON array, which never holds a raw newline: the first one ends it.
  const key = `ans:v2:${hash('sha256', `${partitionOf(input, leaf).text}\n${normaliseQuery(input.query)}`, 'hex')}`;
  if (leaf !== undefined) {
    if (answerKeyCount >= ANSWER_KEY_MEMO_ENTRIES) {
      answerKeyTree.clear();
      answerKeyCount = 0;
      answerKeyLeaf(input)?.set(input.query, key);
    } else leaf.set(input.query, key);
    answerKeyCount++;
  }
  return key;
}

/**
 * Keys of recently asked questions, by their raw fields: an exact hit is a question asked before,
 * so its key is usually here, skipping the JSON, normalisation and SHA-256 (~2-3 µs per request).
 * A tree of Maps, one level per partition field (generator parameters by identity, top-k, tenant,
 * collection, version, mode, embedder, generator), then the raw query: exact, since each level
 * compares one field's value, and no key text is built per lookup (that string was ~1 µs of an
 * exact hit). 8,192 questions and partitions at most; a full memo is dropped whole.
 */
const ANSWER_KEY_MEMO_ENTRIES = 8192;
type KeyTree = Map<unknown, unknown>;
const answerKeyTree: KeyTree = new Map();
let answerKeyCount = 0;
/** Ids for frozen generator-parameter objects, so the memo names them without serialising them. */
const paramsIds = new WeakMap<object, number>();
let nextParamsId = 1;

/** The memo's map from raw query to answer key for `input`'s partition (made on first use), or undefined when it is not memoisable (see paramsIdOf). */
function answerKeyLeaf(input: PartitionKeyInput): Map<string, string> | undefined {
  const paramsId = paramsIdOf(input);
  if (paramsId === undefined) return undefined;
  let node = child(answerKeyTree, paramsId);
  node = child(node, input.topK);
  node = child(node, input.tenant);
  node = child(node, input.collection);
  node = child(node, input.collectionVersion);
  node = child(node, input.mode);
  node = child(node, input.embedderModel);
  return child(node, input.generatorModel) as Map<string, string>;
}

function child(node: KeyTree, key: unknown): KeyTree {
  let next = node.get(key) as KeyTree | undefined;
  if (next === undefined) node.set(key, (next = new Map()));
  return next;
}

/**
 * An id for the partition's generator parameters (0 for none), or undefined when the partition is
 * not memoisable: a filter (an object), or generator parameters that are not frozen (they could
 * change under the same identity).
 */
function paramsIdOf(input: PartitionKeyInput): number | undefined {
  if (input.filter != null) return undefined;
  const params = input.generatorParams;
  if (params === undefined) return 0;
  if (!Object.isFrozen(params)) return undefined;
  let id = paramsIds.get(params);
  if (id === undefined) paramsIds.set(params, (id = nextParamsId++));
  return id;
}

/** A partition's canonical text and its semantic-cache key, computed once per partition. */
interface PartitionTexts {
  readonly text: string;
  /** `sem:v2:<sha256 hex>`, hashed on first use. */
  semanticKey?: string;
}

/**
 * Each partition's texts, by its leaf in the answer-key memo (the leaf stands for all of the
 * partition's fields): computed once per partition, so a question never asked before (a semantic
 * hit, a miss) skips the JSON array and a SHA-256. Counted with the memo's questions and dropped with it.
 */
const partitionByLeaf = new WeakMap<Map<string, string>, PartitionTexts>();

/**
 * The partition's texts, memoised by `leaf` (answerKeyLeaf's, passed when the caller has it) when
 * the partition is memoisable; computed afresh when it is not.
 */
function partitionOf(input: PartitionKeyInput, leaf: Map<string, string> | undefined = answerKeyLeaf(input)): PartitionTexts {
  if (leaf === undefined) return { text: partitionText(input) };
  let texts = partitionByLeaf.get(leaf);
  if (texts === undefined) {
    if (answerKeyCount >= ANSWER_KEY_MEMO_ENTRIES) {
      answerKeyTree.clear();
      answerKeyCount = 0;
    }
    partitionByLeaf.set(leaf, (texts = { text: partitionText(input) }));
    answerKeyCount++;
  }
  return texts;
}

/**
 * Hard partition for the semantic answer cache: `sem:v2:<sha256 hex>` over everything but the
 * query. Cached questions are compared only within one partition. The embedder model is included
 * as well, because similarities between vectors of different models mean nothing.
 */
export function semanticPartitionKey(input: PartitionKeyInput): string {
  const texts = partitionOf(input);
  return (texts.semanticKey ??= `sem:v2:${hash('sha256', texts.text, 'hex')}`);
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
