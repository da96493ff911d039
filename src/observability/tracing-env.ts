/**
 * Whether tracing is on, and where spans go, read from ragd's own setting and OpenTelemetry's
 * standard environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Precedence: `OTEL_SDK_DISABLED=true` turns it off whatever else is set; then ragd's explicit
 * setting; then an injected exporter; then `OTEL_TRACES_EXPORTER` (`otlp` on, `none` off); then an
 * OTLP endpoint being set. Nothing set means off. `OTEL_TRACES_EXPORTER=none` with tracing switched
 * on explicitly (RAGD_TRACING=true) is the specification's "no exporter": spans are still made,
 * sampled, propagated and logged, then dropped. The OTLP exporter itself reads the endpoint,
 * headers and timeout variables.
 */

/** Environment variables as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The inputs of the decision besides the environment. */
export interface TracingSwitch {
  /** ragd's explicit setting; undefined defers to the environment. */
  enabled?: boolean | undefined;
  /** An exporter was injected (tests, embedders): on unless something says off. */
  hasExporter?: boolean;
}

/** Decides whether tracing runs. */
export function tracingEnabled(options: TracingSwitch, env: Env): boolean {
  if (isTrue(env.OTEL_SDK_DISABLED)) return false;
  if (options.enabled !== undefined) return options.enabled;
  if (options.hasExporter) return true;
  const exporters = exporterNames(env);
  if (exporters.includes('otlp')) return true;
  if (exporters.includes('none')) return false;
  return nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** The exporters ragd implements: OTLP over HTTP, and `none` (spans are dropped once batched). */
export type TracesExporterName = 'otlp' | 'none';

/**
 * The exporter `OTEL_TRACES_EXPORTER` asks for: `otlp` when listed or when nothing (or only an
 * exporter ragd does not implement) is, as the specification's default; `none` when it is listed
 * without `otlp`.
 */
export function tracesExporterFrom(env: Env): TracesExporterName {
  const exporters = exporterNames(env);
  return exporters.includes('none') && !exporters.includes('otlp') ? 'none' : 'otlp';
}

/** `service.name`: an explicit name, else `OTEL_SERVICE_NAME`, else `ragd`. */
export function serviceNameFrom(explicit: string | undefined, env: Env): string {
  if (explicit) return explicit;
  const fromEnv = env.OTEL_SERVICE_NAME?.trim();
  return fromEnv ? fromEnv : 'ragd';
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function exporterNames(env: Env): string[] {
  return (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}
