/**
 * Makes upstream error text safe to put in a RagdError message: strips anything that looks like a
 * credential (OpenAI's 401 message echoes part of the key) and bounds the length.
 */

/** Longest upstream message quoted in an error, in characters. */
export const MAX_UPSTREAM_MESSAGE_CHARS = 300;

const KEY_LIKE = [
  /\bBearer\s+\S+/gi,
  // OpenAI-style keys (sk-..., sk-proj-...), also when partly masked with '*'.
  /\b(?:sk|pk|rk)-[A-Za-z0-9_*.-]{4,}/g,
];

/**
 * Removes `secrets` (exact) and key-like tokens from `text`, collapses whitespace and truncates
 * to `maxChars` (default 300) with an ellipsis.
 */
export function redactUpstreamText(text: string, secrets: readonly string[] = [], maxChars = MAX_UPSTREAM_MESSAGE_CHARS): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of KEY_LIKE) out = out.replace(pattern, '[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > maxChars ? `${out.slice(0, maxChars - 1)}…` : out;
}
