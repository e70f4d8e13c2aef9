import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopProcess, track } from '../processes.ts';

/**
 * A peer program (the Python loop, the Kafka Streams topology) in a process of its own. Each
 * one speaks the same small protocol: it prints the JSON line `{"ready":true}` once its
 * clients exist, starts consuming when it reads a line on stdin, and may print a final JSON
 * line with what it did. Starting the clock at `go` leaves interpreter and JVM start-up out,
 * as creating a source on a running Sluice does.
 */
export interface PeerProcess {
  pid: number;
  /** Tells the program to start consuming. */
  go(): void;
  /** The last JSON line the program printed after `go` (undefined if none yet). */
  lastLine(): Record<string, unknown> | undefined;
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `command args` and waits until it says it is ready; fails if it exits first or takes longer than `timeoutMs`. */
export async function spawnPeer(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PeerProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    // The tail is what explains a failure; keep the last 20,000 characters.
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let last: Record<string, unknown> | undefined;
  const stop = async (graceMs = 10_000): Promise<void> => {
    await stopProcess({ child, exited }, graceMs);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} was not ready within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready; stderr: ${stderr.slice(-2000)}`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let entry: unknown;
        try {
          entry = JSON.parse(line);
        } catch {
          return; // a library's own output
        }
        if (typeof entry !== 'object' || entry === null) return;
        if ((entry as { ready?: unknown }).ready === true) {
          clearTimeout(timer);
          resolve();
        } else last = entry as Record<string, unknown>;
      });
    });
  } catch (error) {
    await stop(1000);
    throw error;
  }
  return {
    pid: child.pid!,
    go: () => void child.stdin.write('go\n'),
    lastLine: () => last,
    stderr: () => stderr,
    stop,
  };
}
