/**
 * Fault injection for chaos testing: per dependency name, rules that add latency, throw an error
 * with a given code, or hang until the call's signal aborts (a simulated timeout), each applied at
 * a given rate. The pipeline applies them inside each attempt, before the real call, so breakers,
 * retries and metrics see injected faults exactly as real ones. Off unless constructed enabled.
 *
 * A rule set on a base name (`generation`) also applies to its instances (`generation:ollama`).
 */
import { RagdError } from '../errors/ragd-error.js';
import { isErrorCode, type ErrorCode } from '../errors/registry.js';
import { raceAbort, untilAborted } from './abort.js';
import { systemRuntime, type Runtime } from './clock.js';
import { baseName } from './dependency-name.js';

/** Longest injectable latency, in ms: 5 minutes; anything longer is a typo. */
export const MAX_FAULT_LATENCY_MS = 300_000;

interface RuleBase {
  /** Probability in [0, 1] that the rule fires on an attempt. Defaults to 1 (always). */
  rate?: number;
}
export type FaultRule =
  | (RuleBase & { kind: 'latency'; ms: number })
  | (RuleBase & { kind: 'error'; code: ErrorCode; retryAfterSeconds?: number })
  | (RuleBase & { kind: 'timeout' });

function invalid(message: string, index: number): RagdError {
  return new RagdError('RAGD_ERR_VALIDATION', `Fault rule ${index}: ${message}`, { details: { field: `rules[${index}]` } });
}

function validateRule(raw: unknown, index: number): FaultRule {
  if (typeof raw !== 'object' || raw === null) throw invalid('must be an object', index);
  const r = raw as Record<string, unknown>;
  const rate = r.rate;
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    throw invalid('rate must be a number in [0, 1]', index);
  }
  const base = rate === undefined ? {} : { rate };
  switch (r.kind) {
    case 'latency':
      if (!(typeof r.ms === 'number' && Number.isFinite(r.ms) && r.ms >= 0 && r.ms <= MAX_FAULT_LATENCY_MS)) {
        throw invalid(`ms must be a number in [0, ${MAX_FAULT_LATENCY_MS}]`, index);
      }
      return { ...base, kind: 'latency', ms: r.ms };
    case 'error': {
      if (!isErrorCode(r.code)) throw invalid('code must be a RAGD_ERR_* code', index);
      const ra = r.retryAfterSeconds;
      if (ra !== undefined && !(typeof ra === 'number' && ra >= 0 && ra <= 3600)) {
        throw invalid('retryAfterSeconds must be a number in [0, 3600]', index);
      }
      return ra === undefined ? { ...base, kind: 'error', code: r.code } : { ...base, kind: 'error', code: r.code, retryAfterSeconds: ra };
    }
    case 'timeout':
      return { ...base, kind: 'timeout' };
    default:
      throw invalid("kind must be 'latency', 'error' or 'timeout'", index);
  }
}

export class FaultInjector {
  private readonly rules = new Map<string, readonly FaultRule[]>();
  private readonly runtime: Pick<Runtime, 'random' | 'sleep'>;

  /**
   * @param options.enabled Defaults to false: `set` refuses and nothing is ever injected.
   * @param options.runtime Injected `random` (for rates) and `sleep` (for latency).
   */
  constructor(options: { enabled?: boolean; runtime?: Partial<Pick<Runtime, 'random' | 'sleep'>> } = {}) {
    this.enabled = options.enabled === true;
    this.runtime = { ...systemRuntime, ...options.runtime };
  }

  readonly enabled: boolean;

  /**
   * Replaces the rules for `name` (validated; an empty list clears them). Returns the stored rules.
   * @throws RagdError RAGD_ERR_FORBIDDEN when fault injection is disabled; RAGD_ERR_VALIDATION for a bad rule.
   */
  set(name: string, rules: unknown): FaultRule[] {
    if (!this.enabled) throw new RagdError('RAGD_ERR_FORBIDDEN', 'Fault injection is disabled on this server');
    if (typeof name !== 'string' || name.length === 0) {
      throw new RagdError('RAGD_ERR_VALIDATION', 'Dependency name is required', { details: { field: 'name' } });
    }
    if (!Array.isArray(rules)) {
      throw new RagdError('RAGD_ERR_VALIDATION', 'Fault rules must be an array', { details: { field: 'rules' } });
    }
    const valid = rules.map(validateRule);
    if (valid.length === 0) this.rules.delete(name);
    else this.rules.set(name, Object.freeze(valid));
    return [...valid];
  }

  /** Every dependency name with its rules. */
  list(): Record<string, FaultRule[]> {
    return Object.fromEntries([...this.rules].map(([name, rules]) => [name, [...rules]]));
  }

  /** Clears the rules of `name`, or all rules when `name` is omitted. */
  clear(name?: string): void {
    if (name === undefined) this.rules.clear();
    else this.rules.delete(name);
  }

  /** Whether any rule applies to `name` (cheap: the pipeline calls it on every attempt). */
  has(name: string): boolean {
    if (this.rules.size === 0) return false;
    return this.rules.has(name) || this.rules.has(baseName(name));
  }

  /**
   * Applies the rules for `name` in order (base-name rules first): waits, hangs until `signal`
   * aborts (rejecting with its abort error), or throws the configured RagdError.
   */
  async apply(name: string, signal: AbortSignal): Promise<void> {
    const base = baseName(name);
    const rules = [...(base !== name ? (this.rules.get(base) ?? []) : []), ...(this.rules.get(name) ?? [])];
    for (const rule of rules) {
      if (rule.rate !== undefined && rule.rate < 1 && !(this.runtime.random() < rule.rate)) continue;
      if (rule.kind === 'latency') {
        await raceAbort(this.runtime.sleep(rule.ms, signal), signal);
      } else if (rule.kind === 'timeout') {
        await untilAborted(signal);
      } else {
        throw new RagdError(rule.code, `Injected fault for ${name}`, {
          details: { dependency: name, injected: true },
          ...(rule.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: rule.retryAfterSeconds }),
        });
      }
    }
  }
}
