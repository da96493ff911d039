/**
 * Loads a shared secret (service token, JWT HMAC secret, metrics token) from its environment value
 * or from a file (the `*_FILE` convention of Docker and Kubernetes secrets), and enforces a minimum
 * length so a weak secret is a startup error, not a silent weakness.
 */
import { readFileSync } from 'node:fs';
import { RagdError } from '../errors/ragd-error.js';

/** 32 bytes = 256 bits: the HMAC-SHA256 key size, and beyond brute force. */
export const MIN_SECRET_BYTES = 32;

export interface SecretSource {
  /** The setting's name for messages, e.g. `RAGD_SERVICE_TOKEN`. */
  name: string;
  value?: string | undefined;
  /** Path of a file holding the secret; one trailing newline is ignored. */
  file?: string | undefined;
  /** Defaults to {@link MIN_SECRET_BYTES}. */
  minBytes?: number;
}

/**
 * The secret's bytes, or undefined when neither value nor file is set.
 * @throws RAGD_ERR_CONFIG when both are set, the file cannot be read, or the secret is too short.
 */
export function loadSecret(source: SecretSource): Buffer | undefined {
  const min = source.minBytes ?? MIN_SECRET_BYTES;
  const hasValue = source.value !== undefined && source.value !== '';
  const hasFile = source.file !== undefined && source.file !== '';
  if (hasValue && hasFile) throw new RagdError('RAGD_ERR_CONFIG', `set ${source.name} or ${source.name}_FILE, not both`);
  let text: string;
  if (hasValue) text = source.value as string;
  else if (hasFile) {
    try {
      text = readFileSync(source.file as string, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new RagdError('RAGD_ERR_CONFIG', `${source.name}_FILE could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
  } else return undefined;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length < min) {
    throw new RagdError(
      'RAGD_ERR_CONFIG',
      `${source.name} is ${bytes.length} bytes; it must be at least ${min} bytes of random data (e.g. \`openssl rand -base64 48\`)`,
    );
  }
  return bytes;
}
