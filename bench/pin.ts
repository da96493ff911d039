/**
 * Process placement and CPU accounting for benchmarks that run ragd in a child process. On a small
 * machine the load generator and the server compete for cores, so a run measures the scheduler as
 * much as ragd: pinning the server to one CPU and the load generator to the others keeps them
 * apart, and the server's CPU time per request (utime + stime from /proc) stays meaningful even
 * when another process takes the server's core (req/s drops; CPU per request does not).
 * The hypervisor's steal time is read too: on a shared VM it slows both sides without showing in either.
 * Linux-only helpers that degrade to "not pinned" / NaN / undefined elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim() || 100);

/** utime + stime of `pid` (all its threads) in seconds, or NaN where /proc is missing. */
export function cpuSeconds(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return Number.NaN;
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th field, stime the 15th.
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Cumulative CPU time of the whole machine from /proc/stat, in clock ticks: all of it and the hypervisor's steal. */
export interface MachineTicks {
  total: number;
  steal: number;
}

/** The machine's CPU ticks so far, or undefined where /proc/stat is missing. */
export function machineTicks(): MachineTicks | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

/**
 * Share of the machine's CPU time the hypervisor took (steal) between two readings, 0..1; NaN
 * without /proc. On a shared VM, steal slows every process while it is not accounted to any of them.
 */
export function stealShare(from: MachineTicks | undefined, to: MachineTicks | undefined): number {
  if (from === undefined || to === undefined || to.total <= from.total) return Number.NaN;
  return (to.steal - from.steal) / (to.total - from.total);
}

/** Pins `pid` (all its threads) to `cpuList` (taskset syntax, e.g. `1` or `0-2`); false when taskset is unavailable or fails. */
export function pin(pid: number, cpuList: string): boolean {
  const res = spawnSync('taskset', ['-a', '-cp', cpuList, String(pid)], { encoding: 'utf8' });
  return res.error === undefined && res.status === 0;
}

export interface Placement {
  /** Whether this process (the load generator) was pinned; servers should then be pinned with `pinServer`. */
  readonly pinned: boolean;
  /** The CPU list servers go on (the last CPU). */
  readonly serverCpus: string;
  /** Pins a server process to `serverCpus`; a no-op returning true when this process is not pinned. */
  pinServer(pid: number): boolean;
  /** One line for a report, e.g. `server pinned to CPU 1, load generator to CPU 0`. */
  readonly description: string;
}

/**
 * Puts this process (the load generator) on every CPU but the last and returns how to put servers
 * on the last one. With one CPU, or without taskset, nothing is pinned.
 */
export function placeLoadGenerator(): Placement {
  const count = cpus().length;
  const serverCpus = String(count - 1);
  const clientCpus = count === 2 ? '0' : `0-${count - 2}`;
  const pinned = count >= 2 && pin(process.pid, clientCpus);
  return {
    pinned,
    serverCpus,
    pinServer: (pid) => !pinned || pin(pid, serverCpus),
    description: pinned ? `server pinned to CPU ${serverCpus}, load generator to CPU ${clientCpus}` : 'unpinned (no taskset or one CPU)',
  };
}
