/**
 * Named defaults for the per-dependency resilience pipeline, each with its unit and the reason it
 * is what it is. Every one can be overridden per dependency through `ResilienceConfig`.
 */

/** Consecutive failed calls (attempts) that open a closed breaker. 5 rides out a blip, trips on an outage. */
export const DEFAULT_BREAKER_FAILURE_THRESHOLD = 5;
/** How long an opened breaker rejects calls before admitting trial calls, in ms: 60 s. */
export const DEFAULT_BREAKER_OPEN_MS = 60_000;
/** Factor the open duration grows by on each consecutive re-open (half-open trial failed). 1 = constant. */
export const DEFAULT_BREAKER_OPEN_MULTIPLIER = 1;
/** Ceiling for the grown open duration, in ms: 10 minutes, so a long outage is still probed regularly. */
export const DEFAULT_BREAKER_MAX_OPEN_MS = 600_000;
/**
 * Trial calls admitted at once in HALF_OPEN: 1, as in Hystrix, Polly and cockatiel. A dependency that
 * is still down then fails exactly one user request per open period while every other caller gets a
 * fast 503 with Retry-After. The cost is that closing takes `successThreshold` sequential round
 * trips; raise it (e.g. to 3) for slow dependencies such as LLM generation to close in one.
 */
export const DEFAULT_BREAKER_HALF_OPEN_MAX_TRIALS = 1;
/** Consecutive successful trial calls that close a half-open breaker. */
export const DEFAULT_BREAKER_SUCCESS_THRESHOLD = 3;
/** Failure-rate mode (off unless configured): rate in (0, 1) above which the breaker opens. */
export const DEFAULT_BREAKER_FAILURE_RATE = 0.5;
/** Failure-rate mode: calls in the count-based sliding window. */
export const DEFAULT_BREAKER_RATE_WINDOW_SIZE = 20;
/** Failure-rate mode: calls the window must hold before the rate can open the breaker. */
export const DEFAULT_BREAKER_RATE_MINIMUM_CALLS = 10;

/** Attempts per call including the first (so 2 retries). */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
/** Backoff before the first retry is uniform in [0, base), in ms. */
export const DEFAULT_RETRY_BASE_DELAY_MS = 100;
/** Ceiling of the exponential backoff before jitter, in ms: 2 s. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000;

/** Retry budget (Finagle's RetryBudget defaults): retries may add at most 20% to calls... */
export const DEFAULT_RETRY_BUDGET_RATIO = 0.2;
/** ...over this sliding window, in ms: 10 s... */
export const DEFAULT_RETRY_BUDGET_WINDOW_MS = 10_000;
/** ...plus this many retries per second of window, so low traffic can still retry. */
export const DEFAULT_RETRY_BUDGET_MIN_PER_SECOND = 10;

/**
 * Calls running at once per dependency: 20 equals DEFAULT_HTTP_CONNECTIONS_PER_HOST, so callers wait
 * in the bulkhead (bounded, observable) rather than in the connection pool.
 */
export const DEFAULT_BULKHEAD_MAX_CONCURRENT = 20;
/** Calls waiting for a slot, FIFO; beyond this the call fails fast with RAGD_ERR_BULKHEAD_FULL. */
export const DEFAULT_BULKHEAD_MAX_QUEUE = 40;

/** Budget of a call whose caller gives no deadline, in ms: 30 s, the server's request timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/**
 * An attempt cut short by the caller's deadline counts as a breaker failure only if it ran at least
 * this long, in ms. Otherwise a client sending `X-Request-Timeout: 1ms` could open the breaker for
 * everyone; a dependency that hangs for a whole second is a real signal.
 */
export const DEFAULT_TIMEOUT_FAILURE_MIN_MS = 1_000;
