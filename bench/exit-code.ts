/**
 * The process exit status of a benchmark run, so CI can gate on it. 99 for crossed thresholds is
 * k6's code for the same condition; a run whose scenarios did not drive the path they claim to
 * measure (e.g. "exact-hit" served mostly misses) gets its own code, because its figures are invalid.
 */
import type { ThresholdVerdict } from './thresholds.js';

/** Every threshold passed and every scenario verified. */
export const EXIT_OK = 0;
/** At least one threshold failed (k6 uses 99 as well). */
export const EXIT_THRESHOLDS_FAILED = 99;
/** At least one scenario failed its own verification; its figures measure the wrong path. */
export const EXIT_SCENARIO_UNVERIFIED = 98;

/**
 * 0 when everything passed; 98 when a scenario is unverified (checked first: thresholds over
 * invalid figures mean nothing); 99 when a threshold failed. Skipped thresholds do not fail a run.
 */
export function benchExitCode(input: {
  readonly verdicts: readonly ThresholdVerdict[];
  readonly verifications?: readonly { readonly ok: boolean }[];
}): number {
  if (input.verifications?.some((v) => !v.ok)) return EXIT_SCENARIO_UNVERIFIED;
  if (input.verdicts.some((v) => v.status === 'fail')) return EXIT_THRESHOLDS_FAILED;
  return EXIT_OK;
}
