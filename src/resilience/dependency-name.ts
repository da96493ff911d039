/**
 * Dependency names: a base (`embedding`, `generation`, `vector_search`, `redis`, `database`),
 * optionally with a provider instance after a colon (`generation:ollama`). Configuration and fault
 * rules set on the base apply to its instances. Names become metrics labels, so they are checked.
 */
import { RagdError } from '../errors/ragd-error.js';

/** The dependencies ragd itself calls through the resilience layer. */
export const KNOWN_DEPENDENCIES = ['embedding', 'generation', 'vector_search', 'redis', 'database'] as const;
export type KnownDependency = (typeof KNOWN_DEPENDENCIES)[number];

const NAME = /^[a-z][a-z0-9_]{0,63}(?::[a-z0-9][a-z0-9_.-]{0,63})?$/;

/** `generation:ollama` -> `generation`; a base name is returned unchanged. */
export function baseName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/**
 * @throws RagdError RAGD_ERR_CONFIG unless `name` is lower-case `base` or `base:instance`
 *   (letters, digits, `_`; the instance may also hold `.` and `-`).
 */
export function assertDependencyName(name: string): void {
  if (!NAME.test(name)) {
    throw new RagdError('RAGD_ERR_CONFIG', `Invalid dependency name ${JSON.stringify(name)}: use base or base:instance`);
  }
}
