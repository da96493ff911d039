/**
 * V8 settings `ragd serve` applies to its own process at start, before it serves (see
 * DEFAULT_V8_PRETENURING for why and what was measured). Applied by the CLI, never by startServer:
 * a library embedding ragd's server keeps its host process's V8 as it is.
 *
 * Set with `v8.setFlagsFromString` once the process runs, which for this flag was measured to work:
 * in a server so started, the bytes promoted per scavenge fell from ~1.5 MB to ~0.27 MB, as with the
 * flag on the command line. It cannot go in NODE_OPTIONS, which accepts only a short list of V8 flags.
 */
import v8 from 'node:v8';
import type { Config } from '../config/config.js';

export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/** Applies the V8 flags `config` asks for and returns them; `setFlags` is v8.setFlagsFromString (tests pass a recorder). */
export function applyV8Tuning(config: Config, setFlags: (flag: string) => void = (flag) => v8.setFlagsFromString(flag)): string[] {
  const flags = config.server.v8Pretenuring ? [] : [NO_PRETENURING_FLAG];
  for (const flag of flags) setFlags(flag);
  return flags;
}
