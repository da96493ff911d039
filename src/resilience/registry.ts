/**
 * The resilience registry: creates and holds one pipeline (breaker, bulkhead, retry budget) per
 * dependency name from `ResilienceConfig`, shares one event hub and one fault injector among them,
 * and snapshots them all for `GET /metrics/circuit-breaker`.
 */
import type { Runtime } from './clock.js';
import { assertDependencyName } from './dependency-name.js';
import { ResilienceEventHub, type ResilienceEventMap, type ResilienceEvents } from './events.js';
import { FaultInjector } from './fault-injection.js';
import { Pipeline, type DependencySnapshot } from './pipeline.js';
import { resolvePolicy, type ResilienceConfig } from './policy.js';

export interface ResilienceRegistryOptions {
  config?: ResilienceConfig;
  runtime?: Partial<Runtime>;
  /** Shared by all pipelines. Defaults to a disabled injector. */
  faults?: FaultInjector;
  /** Names to create up front so they appear in snapshots before their first call. */
  preload?: readonly string[];
  /** Where listener errors go. Defaults to `process.emitWarning`. */
  onListenerError?: (err: unknown) => void;
}

export interface ResilienceSnapshot {
  /** Epoch ms the snapshot was taken. */
  at: number;
  /** One entry per dependency, sorted by name. */
  dependencies: DependencySnapshot[];
}

export class ResilienceRegistry {
  /** Subscribe here for state changes, failures, retries, bulkhead rejections and call outcomes. */
  readonly events: ResilienceEvents;
  readonly faults: FaultInjector;
  private readonly hub: ResilienceEventHub;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly config: ResilienceConfig;
  private readonly runtime: Partial<Runtime> | undefined;

  /** @throws RagdError RAGD_ERR_CONFIG when a configured or preloaded dependency is invalid. */
  constructor(options: ResilienceRegistryOptions = {}) {
    this.config = options.config ?? {};
    this.runtime = options.runtime;
    this.hub = new ResilienceEventHub(options.onListenerError);
    this.events = this.hub;
    this.faults = options.faults ?? new FaultInjector({ enabled: false });
    for (const name of [...Object.keys(this.config.dependencies ?? {}), ...(options.preload ?? [])]) this.get(name);
  }

  /**
   * The pipeline for `name`, created on first use from the resolved policy.
   * @throws RagdError RAGD_ERR_CONFIG for an invalid name or policy.
   */
  /**
   * Pass as `onFallback` to `executeWithFallback` / `streamWithFallback` so fallbacks reach
   * `events.on('fallback', ...)`.
   */
  readonly reportFallback = (event: ResilienceEventMap['fallback']): void => this.hub.emit('fallback', event);

  get(name: string): Pipeline {
    let pipeline = this.pipelines.get(name);
    if (pipeline === undefined) {
      assertDependencyName(name);
      pipeline = new Pipeline(name, resolvePolicy(this.config, name), {
        events: this.hub,
        faults: this.faults,
        ...(this.runtime === undefined ? {} : { runtime: this.runtime }),
      });
      this.pipelines.set(name, pipeline);
    }
    return pipeline;
  }

  /** Names of the pipelines created so far, sorted. */
  names(): string[] {
    return [...this.pipelines.keys()].sort();
  }

  snapshot(): ResilienceSnapshot {
    const now = this.runtime?.now ?? Date.now;
    return { at: now(), dependencies: this.names().map((name) => this.get(name).snapshot()) };
  }
}
