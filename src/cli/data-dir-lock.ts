/**
 * One process owns a data directory at a time: the server (or a CLI command opening the directory
 * directly) writes `<dataDir>/ragd.owner.json` with its pid and, for a server, its URL. A second
 * process sees the owner: the CLI then talks to the running server over HTTP instead of opening
 * the files, and a second server refuses to start. A file left by a dead process is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RagdError } from '../errors/ragd-error.js';

export interface OwnerInfo {
  pid: number;
  url?: string;
  command: string;
  startedAt: string;
}

function ownerPath(dataDir: string): string {
  return join(dataDir, 'ragd.owner.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of the data dir, if any (other than this process). */
export function currentOwner(dataDir: string): OwnerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(ownerPath(dataDir), 'utf8')) as OwnerInfo;
    if (info.pid !== process.pid && alive(info.pid)) return info;
  } catch {
    // missing or unreadable: nobody owns it
  }
  return undefined;
}

/** Takes ownership or throws naming the current owner. Returns a release function. */
export function acquireDataDir(dataDir: string, info: Omit<OwnerInfo, 'pid' | 'startedAt'>): { release(): void; update(patch: Partial<OwnerInfo>): void } {
  mkdirSync(dataDir, { recursive: true });
  const owner = currentOwner(dataDir);
  if (owner) {
    throw new RagdError(
      'RAGD_ERR_CONFIG',
      `data directory ${dataDir} is in use by pid ${owner.pid} (${owner.command}${owner.url ? ` at ${owner.url}` : ''}); stop it or use another RAGD_DATA_DIR`,
    );
  }
  let current: OwnerInfo = { ...info, pid: process.pid, startedAt: new Date().toISOString() };
  const write = () => writeFileSync(ownerPath(dataDir), JSON.stringify(current));
  write();
  return {
    update(patch) {
      current = { ...current, ...patch };
      write();
    },
    release() {
      try {
        const now = JSON.parse(readFileSync(ownerPath(dataDir), 'utf8')) as OwnerInfo;
        if (now.pid === process.pid) rmSync(ownerPath(dataDir), { force: true });
      } catch {
        // already gone
      }
    },
  };
}
