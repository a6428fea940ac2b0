/**
 * Figure 5, resources: the peak resident set size of the bench's Node process (the gateway, the
 * Lambda worker threads and the load worker threads all live in it) and of the Kafka and DynamoDB
 * Local JVMs, read from the kernel's high-water mark (`VmHWM` in /proc/<pid>/status, Linux).
 */
import { readFileSync } from 'node:fs';

/** `VmHWM` of a /proc status text, in KiB; undefined when absent. */
export function parseVmHwmKiB(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Peak RSS of a process in MiB, or undefined when it cannot be read (not Linux, process gone). */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const kib = parseVmHwmKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kib === undefined ? undefined : kib / 1024;
  } catch {
    return undefined;
  }
}

/** Peak RSS of this process in MiB (`maxRSS` of getrusage, all threads). */
export function ownPeakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
