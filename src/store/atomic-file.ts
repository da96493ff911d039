/**
 * Atomic file replacement for index snapshots: write a temp file beside the target, fsync it,
 * rename it over the target, fsync the directory. A crash leaves either the old file or the new one,
 * never a torn mix (rename is atomic within a filesystem on POSIX and on NTFS).
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Suffix for temp files, unique within the process without drawing randomness. */
let tempCounter = 0;

export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tempCounter}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDirectory(dirname(path));
}

/** Makes a rename durable on Linux; platforms that refuse to fsync a directory (Windows) are skipped. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Durability hint only: the rename has already happened.
  } finally {
    await fh?.close();
  }
}
