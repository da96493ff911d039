/**
 * Secure by default: ragd refuses to listen beyond loopback while nobody could authenticate, so a
 * fresh install bound to 0.0.0.0 by mistake is never an open, writable RAG service. `RAGD_AUTH=off`
 * is the explicit, logged opt-out (e.g. behind an authenticating gateway).
 */
import { isIP } from 'node:net';
import type { AuthSetting } from './auth-mode.js';

export interface BindPolicyInput {
  host: string;
  authEnabled: boolean;
  /** Any credential configured: service token, JWT secret/JWKS, or an active API key. */
  credentialsConfigured: boolean;
  authSetting: AuthSetting | undefined;
}

export type BindPolicyResult = { ok: true; warning?: string } | { ok: false; message: string };

/** 127.0.0.0/8, ::1, their IPv4-mapped forms, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Pure: `{ ok: false, message }` means "do not start", with a message that says how to fix it. */
export function checkBindPolicy(input: BindPolicyInput): BindPolicyResult {
  if (isLoopbackHost(input.host)) return { ok: true };
  if (input.authSetting === 'off') {
    return { ok: true, warning: `authentication is off (RAGD_AUTH=off) and ragd listens on ${input.host}: anyone who can reach it can read and write every tenant` };
  }
  if (!input.credentialsConfigured) {
    return {
      ok: false,
      message:
        `refusing to listen on ${input.host} with no credentials configured. ` +
        'Configure one of RAGD_SERVICE_TOKEN(_FILE), RAGD_JWT_SECRET(_FILE) or RAGD_JWT_JWKS_URL, or create an API key ' +
        '(ragd keys create), or listen on 127.0.0.1, or set RAGD_AUTH=off to expose ragd without authentication on purpose.',
    };
  }
  if (!input.authEnabled) return { ok: false, message: `authentication is disabled while listening on ${input.host}; set RAGD_AUTH=off explicitly to allow this` };
  return { ok: true };
}
