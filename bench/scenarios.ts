/**
 * The benchmark scenarios, as data plus small functions: what each seeds, what it sends, and how
 * it proves from the answers that it drove the path it is named after. A scenario whose answers
 * do not show that path (an "exact-hit" run served by misses) is reported unverified, and its
 * figures are not to be trusted. Scenarios only know a `baseUrl`, so they run against any ragd.
 */
import { RagdError } from '../src/errors/ragd-error.js';
import { postJson } from '../src/eval/post-json.js';
import type { Bodies } from './load.js';
import type { ResponseTally } from './response-tally.js';
import { seedDocuments, seedQueries } from './seed-corpus.js';

export const QUERY_PATH = '/api/v1/rag/query';
export const SEARCH_PATH = '/api/v1/rag/search';
export const DOCUMENTS_PATH = '/api/v1/rag/documents';

/** Share of answers that must show the intended path (x-cache value, upstream call, results). */
export const VERIFY_MIN_RATIO = 0.99;

export const SCENARIO_NAMES = ['exact-hit', 'exact-hit-br', 'semantic-hit', 'cache-miss', 'search', 'ingest', 'provider'] as const;

/** What browsers, undici's fetch and most HTTP clients send: the exact-hit-br scenario's load carries it. */
export const CLIENT_ACCEPT_ENCODING = 'gzip, deflate, br';
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Where and as whom the scenarios talk to ragd. */
export interface ScenarioContext {
  /** ragd's origin, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Collection holding the seed corpus; `ingest` writes to `<collection>-ingest` so cached answers stay valid. */
  readonly collection: string;
  /** Extra headers on every request, e.g. authorization. */
  readonly headers: Readonly<Record<string, string>>;
  /** Documents in the seed corpus (default SEED_DOCUMENTS); larger corpora make retrieval do real work. */
  readonly corpusDocuments?: number;
}

/** Facts measured around a scenario's run, outside ragd's answers. */
export interface RunFacts {
  /** Chat calls the fake upstream served during the measured run (provider scenario). */
  readonly upstreamChatCalls?: number;
}

/** Whether the run drove the intended path, why, and the figures that show it (threshold metrics). */
export interface Verification {
  readonly ok: boolean;
  readonly detail: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Path under `baseUrl`; every scenario POSTs JSON. */
  readonly path: string;
  /** Whether the seed corpus must be in `collection` before `seed` runs. */
  readonly needsCorpus: boolean;
  /** Whether the run needs the fake OpenAI-compatible upstream (bench/fake-openai.ts) behind ragd. */
  readonly needsUpstream: boolean;
  /** Prepares server state (e.g. primes the cache); runs before warm-up. */
  seed?(ctx: ScenarioContext): Promise<void>;
  /** Bodies rotated per request, or a function of the request index for bodies that must not repeat. */
  bodies(ctx: ScenarioContext): Bodies;
  /** Headers the measured load adds to the context's (not used while seeding). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Judges the measured answers. */
  verify(tally: ResponseTally, facts: RunFacts): Verification;
}

const EXACT_QUERIES = seedQueries(40).slice(0, 20);
const SEMANTIC_QUERIES = seedQueries(40).slice(20, 30);
const OTHER_QUERIES = seedQueries(40);
/** Words ragd's analyser drops (NLTK stop words), used to make distinct strings with the same content words. */
const STOP_WORDS = ['the', 'a', 'of', 'to', 'in', 'and', 'is', 'it'];

/**
 * `base` plus a run of stop words that spells `index + 1` in base 8: a distinct string for every
 * index (so never an exact-cache key seen before) with exactly the same content words.
 */
export function stopWordVariant(base: string, index: number): string {
  const suffix: string[] = [];
  for (let j = index + 1; j > 0; j = Math.floor(j / STOP_WORDS.length)) suffix.push(STOP_WORDS[j % STOP_WORDS.length]);
  return `${base} ${suffix.join(' ')}`;
}

/** Ingests the seed corpus into `ctx.collection` (idempotent: fixed ids), in batches of 100. */
export async function seedCorpus(ctx: ScenarioContext): Promise<void> {
  const docs = seedDocuments(ctx.corpusDocuments);
  for (let i = 0; i < docs.length; i += 100) {
    await postJson(
      `${ctx.baseUrl}${DOCUMENTS_PATH}`,
      { collection: ctx.collection, documents: docs.slice(i, i + 100) },
      { headers: { ...ctx.headers } },
    );
  }
}

async function askOnce(ctx: ScenarioContext, queries: readonly string[]): Promise<void> {
  for (const query of queries) {
    await postJson(`${ctx.baseUrl}${QUERY_PATH}`, { query, collection: ctx.collection }, { headers: { ...ctx.headers } });
  }
}

function share(n: number): string {
  return `${(n * 100).toFixed(2)}%`;
}

function byRatio(ratio: number, what: string, metrics: Record<string, number>): Verification {
  const ok = ratio >= VERIFY_MIN_RATIO;
  return { ok, detail: `${share(ratio)} of answers ${what} (need >= ${share(VERIFY_MIN_RATIO)})`, metrics };
}

/** Every scenario, by name. */
export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  'exact-hit': {
    name: 'exact-hit',
    description: '/query for questions asked before: served from the exact-match answer cache',
    path: QUERY_PATH,
    needsCorpus: true,
    needsUpstream: false,
    seed: (ctx) => askOnce(ctx, EXACT_QUERIES),
    bodies: (ctx) => EXACT_QUERIES.map((query) => ({ query, collection: ctx.collection })),
    verify: (t) => byRatio(t.cacheRatio('exact'), 'had x-cache: exact', t.metrics()),
  },
  'exact-hit-br': {
    name: 'exact-hit-br',
    description: `exact-hit, from a client that accepts compression (Accept-Encoding: ${CLIENT_ACCEPT_ENCODING}): brotli bodies`,
    path: QUERY_PATH,
    needsCorpus: true,
    needsUpstream: false,
    headers: { 'accept-encoding': CLIENT_ACCEPT_ENCODING },
    seed: (ctx) => askOnce(ctx, EXACT_QUERIES),
    bodies: (ctx) => EXACT_QUERIES.map((query) => ({ query, collection: ctx.collection })),
    verify: (t) => {
      const exact = t.cacheRatio('exact');
      const br = t.ratio(t.encodings.get('br') ?? 0);
      const ok = exact >= VERIFY_MIN_RATIO && br >= VERIFY_MIN_RATIO;
      return { ok, detail: `${share(exact)} had x-cache: exact, ${share(br)} content-encoding: br (need >= ${share(VERIFY_MIN_RATIO)} each)`, metrics: { ...t.metrics(), br_ratio: br } };
    },
  },
  'semantic-hit': {
    name: 'semantic-hit',
    description: '/query for never-seen wordings of cached questions (same content words): served from the semantic cache',
    path: QUERY_PATH,
    needsCorpus: true,
    needsUpstream: false,
    seed: (ctx) => askOnce(ctx, SEMANTIC_QUERIES),
    bodies: (ctx) => (i) => ({ query: stopWordVariant(SEMANTIC_QUERIES[i % SEMANTIC_QUERIES.length], i), collection: ctx.collection }),
    verify: (t) => byRatio(t.cacheRatio('semantic'), 'had x-cache: semantic', t.metrics()),
  },
  'cache-miss': {
    name: 'cache-miss',
    description: '/query with unique questions and cache "bypass": full retrieval and generation every time',
    path: QUERY_PATH,
    needsCorpus: true,
    needsUpstream: false,
    bodies: (ctx) => (i) => ({ query: `${OTHER_QUERIES[i % OTHER_QUERIES.length]} ${i}`, collection: ctx.collection, cache: 'bypass' }),
    verify: (t) => byRatio(t.cacheRatio('miss', 'bypass'), 'had x-cache: miss or bypass', t.metrics()),
  },
  search: {
    name: 'search',
    description: '/search, hybrid mode, top 10: retrieval only',
    path: SEARCH_PATH,
    needsCorpus: true,
    needsUpstream: false,
    bodies: (ctx) => OTHER_QUERIES.map((query) => ({ query, collection: ctx.collection, mode: 'hybrid', topK: 10 })),
    verify: (t) => {
      const withResults = t.ratio(t.ok - t.emptyResults);
      return byRatio(withResults, 'were 2xx with results', { ...t.metrics(), empty_result_rate: t.ratio(t.emptyResults) });
    },
  },
  ingest: {
    name: 'ingest',
    description: '/documents, one new ~600-character document per request, into <collection>-ingest',
    path: DOCUMENTS_PATH,
    needsCorpus: false,
    needsUpstream: false,
    bodies: (ctx) => {
      const docs = seedDocuments(24);
      const run = Date.now().toString(36);
      return (i) => {
        const d = docs[i % docs.length];
        return { collection: `${ctx.collection}-ingest`, documents: [{ id: `load-${run}-${i}`, title: d.title, text: d.text }] };
      };
    },
    verify: (t) => byRatio(t.ratio(t.ok), 'were 2xx', t.metrics()),
  },
  provider: {
    name: 'provider',
    description: '/query with unique questions and cache "bypass", answered by the fake OpenAI-compatible upstream',
    path: QUERY_PATH,
    needsCorpus: true,
    needsUpstream: true,
    bodies: (ctx) => (i) => ({
      query: `${OTHER_QUERIES[i % OTHER_QUERIES.length]} provider ${i}`,
      collection: ctx.collection,
      cache: 'bypass',
    }),
    verify: (t, facts) => {
      const calls = facts.upstreamChatCalls;
      const metrics = { ...t.metrics(), upstream_calls: calls ?? 0 };
      if (calls === undefined) return { ok: false, detail: 'no upstream to count calls on: pass the fake upstream to runBench', metrics };
      const perAnswer = t.ok === 0 ? 0 : Math.min(1, calls / t.ok);
      const undegraded = t.ratio(t.total - t.degraded);
      const ok = perAnswer >= VERIFY_MIN_RATIO && undegraded >= VERIFY_MIN_RATIO;
      return {
        ok,
        detail: `${calls} upstream chat calls for ${t.ok} 2xx answers; ${share(undegraded)} not degraded (need >= ${share(VERIFY_MIN_RATIO)} each)`,
        metrics,
      };
    },
  },
};

/** Looks a scenario up by name (`exact_hit` reads as `exact-hit`); throws RagdError `RAGD_ERR_CONFIG` listing the valid names. */
export function getScenario(name: string): Scenario {
  const key = name.toLowerCase().replace(/_/g, '-');
  if ((SCENARIO_NAMES as readonly string[]).includes(key)) return SCENARIOS[key as ScenarioName];
  throw new RagdError('RAGD_ERR_CONFIG', `unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`, {
    details: { scenario: name },
  });
}
