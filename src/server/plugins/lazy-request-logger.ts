/**
 * `request.log` created on first use. Fastify builds a pino child logger (bindings serialised to
 * JSON) for every request, but most requests never log through it: the one access-log line per
 * request is written through the root logger with the request id in it (request-context.ts). The
 * child costs ~0.7 µs per request, a few percent of an exact cache hit, so it is made only when
 * something logs through request.log (an error, a warning), with the same bindings and options.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js';

type Log = (...args: unknown[]) => void;
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Prototype methods only (no closures per instance): this object is made for every request. */
export class LazyRequestLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindingsOf: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindingsOf, this.options));
  }

  get level(): string {
    return this.#real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  /** The level methods (fatal ... silent, set on the prototype below) all land here. */
  write(level: Level, args: unknown[]): void {
    const real = this.real;
    (real[level] as Log).apply(real, args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }

  /** pino's own check (Fastify's type leaves it out); true for loggers without one. */
  isLevelEnabled(level: string): boolean {
    // A per-route level applies to the child only: ask the child then.
    const target = (this.options.level === undefined ? (this.#real ?? this.parent) : this.real) as { isLevelEnabled?: (l: string) => boolean };
    return target.isLevelEnabled === undefined ? true : target.isLevelEnabled.call(target, level);
  }
}

for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value: function (this: LazyRequestLogger, ...args: unknown[]): void {
      this.write(level, args);
    },
  });
}

/** Fastify's `childLoggerFactory`: a lazy child instead of a pino child per request. */
export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // Pino's methods are applied to the pino child (`this` is the child), so the lazy
  // object is a FastifyBaseLogger in every way Fastify and ragd use one.
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
