import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * What Linux tells about a running process (proc(5)): resident memory, CPU time, open files.
 * Linux only, like the benchmark.
 */

/**
 * Runs a command with the open-file limit raised: 65,536 where the process may raise its hard
 * limit (CAP_SYS_RESOURCE), else as far as the hard limit allows. Used as `gatewayWrapper` and
 * for the load generators; `exec` keeps the pid, so the pid measured is the program's own.
 */
export const RAISE_NOFILE = ['bash', '-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"'];

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of /proc/PID/stat's times. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Resident set size in KiB (`VmRSS` of /proc/PID/status). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(m[1]);
}

/** User + system CPU time used so far, in seconds (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its ')' start at field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}

/** File descriptors open now. */
export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The soft limit on open files (`Max open files` of /proc/PID/limits). */
export function fileLimit(pid: number): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/limits has no open-file limit`);
  return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** The program a pid runs (`comm`), to check the wrapper really exec'd it. */
export function programOf(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

/** CPU share of one core between two readings, in percent. */
export function cpuShare(fromSec: number, toSec: number, wallMs: number): number {
  return ((toSec - fromSec) / (wallMs / 1000)) * 100;
}
