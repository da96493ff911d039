/**
 * The edge's composition root: everything that stands between the network and the routes, built
 * once per server from the config. Authentication (API keys from the data directory's key store,
 * JWTs, the service token, the metrics token), whether it is on (RAGD_AUTH), and the rate limiter
 * (Redis when RAGD_REDIS_URL is set, memory otherwise, with a local fallback) with the optional
 * token budget. The app registers the plugins that use it (edge-plugins.ts); `close` releases the
 * key store and the Redis connection.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiKeyVerifier } from '../auth/api-key-verifier.js';
import { resolveAuthEnabled } from '../auth/auth-mode.js';
import { Authenticator } from '../auth/authenticate.js';
import { JwtVerifier } from '../auth/jwt.js';
import { hasActiveKey } from '../auth/key-store.js';
import { loadSecret } from '../auth/secrets.js';
import { ServiceTokenVerifier } from '../auth/service-token.js';
import { SqliteKeyStore } from '../auth/sqlite-key-store.js';
import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { RateLimiter, type RateLimitRule } from '../rate-limit/limiter.js';
import { MemoryRateLimitStore } from '../rate-limit/memory-store.js';
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS, createRateLimitRedisClient } from '../rate-limit/redis-client.js';
import { RedisRateLimitStore } from '../rate-limit/redis-store.js';
import { TokenBudget } from '../rate-limit/token-budget.js';

/** The file API keys live in: the document store's database, so one backup holds everything. */
export function keyStorePath(dataDir: string): string {
  return join(dataDir, 'ragd.db');
}

export interface Edge {
  readonly authenticator: Authenticator;
  /** The key store of the data directory (also used by the admin key routes). */
  readonly keyStore: SqliteKeyStore;
  /** Verifies API keys through a cache; `revoke` here takes effect at once in this process. */
  readonly apiKeys: ApiKeyVerifier;
  /** RAGD_METRICS_TOKEN's bytes, when set. */
  readonly metricsToken: Buffer | undefined;
  /** Any credential exists: service token, JWT key, or an active API key (at start). */
  readonly credentialsConfigured: boolean;
  readonly authEnabled: boolean;
  /** Request limits per route class; undefined when RAGD_RATE_LIMIT is off. */
  readonly rateLimit: { limiter: RateLimiter; rule: RateLimitRule } | undefined;
  /** Model-token budget for /query; undefined unless RAGD_TOKEN_BUDGET_PER_MINUTE > 0 and the generator is remote. */
  readonly tokenBudget: TokenBudget | undefined;
  /** `redis` or `memory`. */
  readonly limiterStore: string;
  close(): Promise<void>;
}

export interface EdgeDeps {
  log: Logger;
  metrics: Metrics;
}

/**
 * Builds the edge. Opens the key store (creating its table on first use).
 * @throws RAGD_ERR_CONFIG naming the setting for an unreadable or short secret or a bad JWT setup;
 *   RAGD_ERR_STORE_UNAVAILABLE when the key store cannot be opened.
 */
export async function createEdge(config: Config, deps: EdgeDeps): Promise<Edge> {
  const a = config.auth;
  const serviceSecret = loadSecret(a.serviceToken);
  const jwtSecret = loadSecret(a.jwt.secret);
  const metricsToken = loadSecret(a.metricsToken);
  const jwt =
    jwtSecret !== undefined || a.jwt.jwksUrl !== undefined
      ? new JwtVerifier({
          secret: jwtSecret,
          jwksUrl: a.jwt.jwksUrl,
          issuer: a.jwt.issuer,
          audience: a.jwt.audience,
          tenantClaim: a.jwt.tenantClaim,
          scopeClaim: a.jwt.scopeClaim,
        })
      : undefined;
  const serviceToken = serviceSecret ? new ServiceTokenVerifier(serviceSecret) : undefined;

  const keyStore = new SqliteKeyStore({ path: keyStorePath(config.dataDir) });
  await keyStore.open();
  const log = deps.log.child({ component: 'edge' });
  const apiKeys = new ApiKeyVerifier({
    store: keyStore,
    onStoreError: (err) => log.warn({ err }, 'API key store read failed; serving cached keys'),
  });
  let redis: Redis | undefined;
  try {
    const credentialsConfigured = serviceToken !== undefined || jwt !== undefined || (await hasActiveKey(keyStore));
    const authEnabled = resolveAuthEnabled(a.mode, credentialsConfigured);
    const authenticator = new Authenticator({ enabled: authEnabled, apiKeys, jwt, serviceToken });

    const budgetPerMinute = config.generator.kind === 'extractive' ? 0 : config.rateLimit.tokenBudgetPerMinute;
    let limiter: RateLimiter | undefined;
    if (config.rateLimit.enabled || budgetPerMinute > 0) {
      redis = config.redis.url === undefined ? undefined : await connectRedis(config.redis.url, log);
      limiter = new RateLimiter({
        store: redis ? new RedisRateLimitStore({ client: redis }) : new MemoryRateLimitStore(),
        onFallback: () => deps.metrics.rateLimitFallback.inc(),
        onOutage: (err) => log.warn({ err: String(err) }, 'rate-limit store failing; limits now hold per process until it recovers'),
        onRecover: () => log.info('rate-limit store recovered; limits are shared again'),
      });
    }
    const rule: RateLimitRule = { ratePerMinute: config.rateLimit.perMinute, burst: config.rateLimit.burst ?? config.rateLimit.perMinute };
    const tokenBudget =
      limiter && budgetPerMinute > 0
        ? new TokenBudget({
            limiter,
            tokensPerMinute: budgetPerMinute,
            onSettleError: (err) => log.warn({ err }, 'token budget settle failed'),
          })
        : undefined;
    const client = redis;
    return {
      authenticator,
      keyStore,
      apiKeys,
      metricsToken,
      credentialsConfigured,
      authEnabled,
      rateLimit: limiter && config.rateLimit.enabled ? { limiter, rule } : undefined,
      tokenBudget,
      limiterStore: client ? 'redis' : 'memory',
      async close() {
        if (client) await client.quit().catch(() => client.disconnect());
        await keyStore.close();
      },
    };
  } catch (err) {
    redis?.disconnect();
    await keyStore.close();
    throw err;
  }
}

/**
 * A fail-fast client whose outages are logged once each (ioredis reports every reconnect attempt).
 * Waits for the first connection up to the connect timeout, so the first requests after start are
 * limited in Redis rather than by the per-process fallback; an unreachable Redis does not stop the
 * start (limits fall back to the process and recover when it comes back).
 */
async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Only the host: the URL may carry a password.
  const where = safeHost(url);
  const client = createRateLimitRedisClient(url);
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ redis: where, err: err.message }, 'Redis unreachable; rate limits hold per process until it is back');
  });
  client.on('ready', () => {
    if (down) log.info({ redis: where }, 'Redis reachable again');
    down = false;
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    // Not events.once: it rejects on the first 'error', and an unreachable Redis must not stop the start.
    new Promise<void>((resolve) => client.once('ready', () => resolve())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DEFAULT_REDIS_CONNECT_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return client;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'redis';
  }
}
