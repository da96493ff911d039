/**
 * The label guard: label values pass through it before they reach a metric. Enumerated labels keep
 * only their closed set, free labels (route templates, provider, breaker and SLO names) must be
 * short safe tokens and are capped per label; anything else becomes `other` and is counted in
 * `ragd_metric_label_overflow_total`. So a raw URL, a user's question or a document id can never
 * mint series, and recording never throws.
 *
 * A label set that passed is remembered with what it resolved to (a series cell, see
 * prom-series.ts, or the cleaned labels), in nested Maps keyed by the raw values as given: the
 * request path then pays one Map lookup per label, builds no string and allocates nothing.
 */
import type { Counter } from 'prom-client';
import { OTHER_LABEL_VALUE } from './metric-names.js';

/** How one label's values are kept bounded: a closed set, a pattern, or any safe token (capped). */
export type LabelRule = readonly string[] | RegExp | 'free';
/** One rule per label of `L`. */
export type LabelSpec<L> = { [K in keyof L]-?: LabelRule };
/** Label values after the guard. */
export type CleanLabels = Record<string, string>;
/** A raw label value; numbers and booleans are rendered with String(). */
export type LabelValue = string | number | boolean;

/** What the guards of one registry share. */
export interface GuardContext {
  /** Distinct values a free label may take per metric. */
  maxValues: number;
  /** `ragd_metric_label_overflow_total{metric,label}`. */
  overflow: Counter<'metric' | 'label'>;
}

/**
 * Remembered label sets per metric at most. Only fully valid sets are remembered, and those are
 * bounded by the closed sets and the per-label cap; this cap bounds the product of them too.
 */
export const MAX_MEMO_ENTRIES = 4096;

/** A free label value must look like an identifier or route template: no spaces, no free text. */
export const SAFE_TOKEN = /^[A-Za-z0-9_.:/{}*-]{1,128}$/;

/**
 * A function from raw labels to `resolve(cleaned labels)`, remembered per valid label set.
 * `resolve` must return the same thing for equal cleaned labels (e.g. a metric's series cell).
 * `metric` names the metric an overflow is counted for; several when one guard serves several
 * metrics with the same labels (each counts the overflow, as its own guard would).
 */
export function labelGuard<L, T>(
  ctx: GuardContext,
  metric: string | readonly string[],
  spec: LabelSpec<L>,
  resolve: (labels: CleanLabels) => T,
): (labels: L) => T {
  const metrics = typeof metric === 'string' ? [metric] : metric;
  const rules = Object.entries(spec) as [string, LabelRule][];
  const names = rules.map(([name]) => name);
  const depth = names.length;
  const seen = new Map<string, Set<string>>(rules.map(([name]) => [name, new Set<string>()]));
  /** Nested by label, in `names` order; the innermost Map holds the resolved values. */
  const memo = new Map<unknown, unknown>();
  let remembered = 0;

  const accept = (name: string, rule: LabelRule, value: string): boolean => {
    if (Array.isArray(rule)) return rule.includes(value);
    if (rule instanceof RegExp) return rule.test(value);
    if (!SAFE_TOKEN.test(value)) return false;
    const values = seen.get(name) as Set<string>;
    if (values.has(value)) return true;
    if (values.size >= ctx.maxValues) return false;
    values.add(value);
    return true;
  };

  const slow = (given: Record<string, unknown>): T => {
    const clean: CleanLabels = {};
    let valid = true;
    for (const [name, rule] of rules) {
      const raw = given[name];
      const value = raw === undefined ? '' : String(raw);
      if (accept(name, rule, value)) clean[name] = value;
      else {
        valid = false;
        clean[name] = OTHER_LABEL_VALUE;
        for (const m of metrics) ctx.overflow.inc({ metric: m, label: name });
      }
    }
    const resolved = resolve(clean);
    if (valid && depth > 0 && remembered < MAX_MEMO_ENTRIES) {
      let node = memo;
      for (let i = 0; i < depth - 1; i++) {
        const key = given[names[i] as string];
        let next = node.get(key) as Map<unknown, unknown> | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(key, next);
        }
        node = next;
      }
      node.set(given[names[depth - 1] as string], resolved);
      remembered++;
    }
    return resolved;
  };

  if (depth === 0) {
    const only = resolve({});
    return () => only;
  }
  return (labels) => {
    const given = labels as Record<string, unknown>;
    let node: unknown = memo;
    for (let i = 0; i < depth; i++) {
      node = (node as Map<unknown, unknown>).get(given[names[i] as string]);
      if (node === undefined) return slow(given);
    }
    return node as T;
  };
}
