/**
 * Microbenchmark of the edge's per-request work (`node dist/bench/edge-micro.js [--n 200000] [--rounds 7]`):
 * the auth plugin's and the rate-limit plugin's onRequest hooks run in registration order on a
 * request that presents an API key already verified once (the cached verdict), against the auth
 * hook alone with authentication off (what every request pays anyway). The hooks are the real
 * ones, registered on a stand-in for the Fastify instance and chained the way Fastify chains them
 * (a hook that returns a promise is awaited before the next; a callback hook calls `done`), with a
 * real SQLite key store, ApiKeyVerifier, Authenticator, RateLimiter and memory store. What is left
 * out is Fastify's own per-hook dispatch. Reports the best round's CPU time (process.cpuUsage, so
 * time the process spends descheduled on a busy machine does not count) per request of each
 * configuration and the difference: the cost of authentication + rate limiting.
 */
import { parseArgs } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyVerifier } from '../src/auth/api-key-verifier.js';
import { registerAuth } from '../src/auth/auth-plugin.js';
import { Authenticator } from '../src/auth/authenticate.js';
import { SqliteKeyStore } from '../src/auth/sqlite-key-store.js';
import { RateLimiter } from '../src/rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../src/rate-limit/memory-store.js';
import { registerRateLimit } from '../src/rate-limit/rate-limit-plugin.js';
import { uniformLimits } from '../src/rate-limit/route-class.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
  },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
/** Far above N per minute, so every request is checked and admitted. */
const HIGH_LIMIT = 1e12;

type Hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => unknown;

/** The hooks a plugin registers, captured by a stand-in with the two methods the plugins call. */
function capture(register: (app: FastifyInstance) => void): Hook[] {
  const hooks: Hook[] = [];
  const app = {
    addHook: (name: string, fn: Hook) => {
      if (name === 'onRequest') hooks.push(fn);
    },
    decorateRequest: () => undefined,
  };
  register(app as unknown as FastifyInstance);
  return hooks;
}

/** Runs `hooks` in order as Fastify does; undefined when all finished synchronously, else a promise. */
function runHooks(hooks: Hook[], request: FastifyRequest, reply: FastifyReply, from = 0): Promise<void> | undefined {
  for (let i = from; i < hooks.length; i++) {
    let failed: Error | undefined;
    let called = false;
    let resume: (() => void) | undefined;
    const done = (err?: Error) => {
      failed = err;
      called = true;
      resume?.();
    };
    const result = (hooks[i] as Hook)(request, reply, done);
    if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
      return (result as Promise<void>).then(() => runHooks(hooks, request, reply, i + 1));
    }
    if (!called) {
      // A callback hook that finishes later (e.g. a remote store): wait for its done().
      return new Promise<void>((resolve) => (resume = resolve)).then(() => {
        if (failed) throw failed;
        return runHooks(hooks, request, reply, i + 1);
      });
    }
    if (failed) throw failed;
  }
  return undefined;
}

async function bestNsPerRequest(hooks: Hook[], makeRequest: () => FastifyRequest): Promise<number> {
  const reply = { header: () => reply, headers: () => reply } as unknown as FastifyReply;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS + 1; round++) {
    const requests = Array.from({ length: 1024 }, makeRequest);
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      const pending = runHooks(hooks, requests[i & 1023] as FastifyRequest, reply);
      if (pending) await pending;
    }
    const used = process.cpuUsage(c0);
    const ns = ((used.user + used.system) * 1000) / N;
    if (round > 0) best = Math.min(best, ns); // round 0 warms up the JIT
  }
  return best;
}

async function main(): Promise<void> {
  const store = new SqliteKeyStore({ path: ':memory:' });
  await store.open();
  const { key } = await store.create({ name: 'bench', tenant: 'default', scopes: ['query', 'ingest'] });
  const verifier = new ApiKeyVerifier({ store });
  const on = new Authenticator({ enabled: true, apiKeys: verifier });
  const off = new Authenticator({ enabled: false });
  const limiter = new RateLimiter({ store: new MemoryRateLimitStore() });
  const limits = uniformLimits({ ratePerMinute: HIGH_LIMIT, burst: HIGH_LIMIT });

  const authOff = capture((app) => registerAuth(app, { authenticator: off }));
  const authOn = capture((app) => registerAuth(app, { authenticator: on }));
  const rateLimit = capture((app) => registerRateLimit(app, { limiter, limits, onOutcome: () => undefined }));
  const config = { scope: 'query', routeClass: 'query' };
  const request = (headers: Record<string, string>) => () =>
    ({ routeOptions: { config }, headers, ip: '127.0.0.1', log: console, principal: null, tenant: 'default' }) as unknown as FastifyRequest;
  const withKey = request({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
  const anonymous = request({ 'content-type': 'application/json' });

  // The first request verifies the key (HMAC, store read); every later one uses the cached verdict.
  await runHooks(authOn, withKey(), { header: () => undefined } as unknown as FastifyReply);
  const results: Record<string, number> = {};
  for (let pass = 0; pass < 2; pass++) {
    // Interleaved twice so drift affects every configuration alike; the best of both passes is kept.
    const runs: [string, Hook[], () => FastifyRequest][] = [
      ['auth off (anonymous), no rate limit', authOff, anonymous],
      ['API key (cached) + rate limit', [...authOn, ...rateLimit], withKey],
      ['API key (cached) only', authOn, withKey],
      ['auth off + rate limit only', [...authOff, ...rateLimit], anonymous],
    ];
    for (const [name, hooks, make] of runs)
      results[name] = Math.min(results[name] ?? Number.POSITIVE_INFINITY, await bestNsPerRequest(hooks, make));
  }
  await store.close();
  console.log(`edge hooks, CPU ns per request (best of ${ROUNDS} rounds x ${N} requests, 2 passes), node ${process.version}`);
  for (const [name, ns] of Object.entries(results)) console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns`);
  const base = results['auth off (anonymous), no rate limit'] as number;
  const full = results['API key (cached) + rate limit'] as number;
  console.log(`cost of API-key auth + rate limiting: ${(full - base).toFixed(0)} ns per request`);
}

await main();
