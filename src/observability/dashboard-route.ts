/**
 * GET /dashboard: a live page (plain HTML, CSS and JS, no build step, no external assets) that
 * polls /metrics, /metrics/circuit-breaker and /metrics/slo and draws request rate, latency
 * percentiles, cache hit ratio, breaker states, degraded responses, top errors and SLO budgets.
 *
 * tsc does not copy the static files, so they are always read from the source folder
 * `src/observability/dashboard/`, found by walking up from this module: the same folder serves
 * `src/` under tsx and `dist/src/` after a build. The files are read once, at registration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The page and its assets, with their media types. */
const ASSETS = [
  { file: 'index.html', path: '/dashboard', type: 'text/html; charset=utf-8' },
  { file: 'dashboard.js', path: '/dashboard/dashboard.js', type: 'text/javascript; charset=utf-8' },
  { file: 'dashboard.css', path: '/dashboard/dashboard.css', type: 'text/css; charset=utf-8' },
] as const;

/** Same-origin only: the page loads nothing from elsewhere and may not be framed. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where the dashboard files live, relative to the package root. */
const DASHBOARD_SUBDIR = join('src', 'observability', 'dashboard');
/** `dist/src/observability/` is three levels below the root; a little slack for other layouts. */
const MAX_LEVELS_UP = 6;

/**
 * Finds `src/observability/dashboard` by walking up from `from` (a file URL; defaults to this
 * module). Returns undefined when no ancestor has it (e.g. a package published without `src/`).
 */
export function findDashboardDir(from: string | URL = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i <= MAX_LEVELS_UP; i++) {
    const candidate = join(dir, DASHBOARD_SUBDIR);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  /** Folder holding index.html, dashboard.js and dashboard.css. Defaults to {@link findDashboardDir}(). */
  dir?: string;
}

/**
 * Serves `GET /dashboard` and its two assets (`/dashboard/` redirects to `/dashboard`, keeping the
 * query). Returns false, registering nothing, when the files cannot be found, so a missing
 * dashboard never stops ragd from starting; the caller should log it.
 * @throws Error when `options.dir` is given but lacks one of the files.
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): boolean {
  const dir = options.dir ?? findDashboardDir();
  if (dir === undefined) return false;
  for (const asset of ASSETS) {
    const body = readFileSync(join(dir, asset.file));
    app.get(asset.path, async (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CSP)
        .send(body),
    );
  }
  // Relative, so the redirect also works behind a proxy that mounts ragd under a path prefix.
  app.get('/dashboard/', async (request, reply) => {
    const q = request.url.indexOf('?');
    return reply.redirect(q === -1 ? '../dashboard' : `../dashboard${request.url.slice(q)}`, 301);
  });
  return true;
}
