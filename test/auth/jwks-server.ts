/** An in-test JWKS endpoint on 127.0.0.1:<random port>, with RS256 and ES256 signing keys. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface JwksServer {
  url: string;
  keys: SigningKey[];
  requests: number;
  sign(alg: 'RS256' | 'ES256', payload: JWTPayload, kid?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  const keys: SigningKey[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ kid: `${alg}-1`, alg, privateKey, publicKey });
  }
  const jwks = { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' }))) };
  const state = { requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    get requests() {
      return state.requests;
    },
    async sign(alg, payload, kid) {
      const key = keys.find((k) => k.alg === alg)!;
      return new SignJWT(payload).setProtectedHeader({ alg, kid: kid ?? key.kid }).sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
