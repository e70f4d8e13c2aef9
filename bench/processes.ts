import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';

/** Every child the benchmark started, so that all of them are killed at the end, even on failure. */
const children = new Set<ChildProcess>();

export interface Spawned {
  child: ChildProcess;
  pid: number;
  url: string;
  stderr: () => string;
  exited: Promise<number | string>;
}

/**
 * Starts `node <args>` and waits for the JSON line `{"url":...}` it prints once it
 * listens; fails if it exits first or takes longer than `timeoutMs`.
 */
export async function spawnServer(
  name: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; execArgv?: string[]; timeoutMs?: number } = {},
): Promise<Spawned> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...(options.execArgv ?? []), ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before listening; stderr: ${stderr}`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { url?: string };
          if (typeof entry.url === 'string') {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not our line
        }
      });
    });
    return { child, pid: child.pid!, url, stderr: () => stderr, exited };
  } catch (error) {
    await stopProcess({ child, exited }, 1000);
    throw error;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(process: { child: ChildProcess; exited: Promise<number | string> }, graceMs = 10_000): Promise<number | string> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return process.exited;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([process.exited, killed]);
  clearTimeout(timer);
  return process.exited;
}

/** Temporary directories to remove if the run is cut short. */
const tempDirs = new Set<string>();

export function trackTempDir(dir: string): () => void {
  tempDirs.add(dir);
  return () => {
    tempDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Kills whatever is still running and removes temporary directories; safe to call more than once. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Resident set size of a process in bytes, from /proc (`VmRSS`, or `VmHWM` for the peak). */
export function readRss(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? Number.NaN : Number(match[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; answers the peak seen. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const take = (): void => {
    const rss = readRss(pid);
    if (Number.isFinite(rss)) {
      peak = Math.max(peak, rss);
      samples++;
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak, samples };
    },
  };
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  let kernel = 'unknown';
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    // keep "unknown"
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8', timeout: 5000 }).trim());
  } catch {
    // keep os.cpus()
  }
  return { nproc, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, kernel };
}

/** Load average over the last minute, to show how busy the machine was. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; NaN when unknown. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds from a process's or a thread's `stat` file; throws when it is gone. */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * CPU seconds of a process by thread name (`/proc/<pid>/task/<tid>/comm`), threads of the same
 * name summed: Node names a worker thread after its `name` option, and V8's helper threads
 * (concurrent and parallel collection, compilation) are all `V8Worker`. Threads that ended
 * between two readings are missing from the later one.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const task of tasks) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
      byName.set(name, (byName.get(name) ?? 0) + statCpuSeconds(`/proc/${pid}/task/${task}/stat`));
    } catch {
      // The thread ended while it was being read.
    }
  }
  return byName;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
  } catch {
    return 100;
  }
})();
