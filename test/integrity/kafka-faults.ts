/**
 * Helpers for the Kafka scale-out and fault tests: running `scripts/kafka.sh` with a bounded
 * time, a broker of the test's own (so it may be stopped), and a `sluice start` process whose
 * log lines can be awaited.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { binPath } from '../helpers/process.ts';

export const kafkaScript = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

/** True when Kafka tests are wanted (SLUICE_TEST_KAFKA is set). */
export const kafkaWanted = (process.env.SLUICE_TEST_KAFKA?.trim() ?? '') !== '';

export const kafkaSkip = kafkaWanted ? false : 'SLUICE_TEST_KAFKA is not set; start a broker with scripts/kafka.sh start';

/** Runs scripts/kafka.sh; answers the last stdout line (the bootstrap address for start commands). */
export function runKafkaScript(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(kafkaScript, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`scripts/kafka.sh ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-2000)}`));
        return;
      }
      resolve(stdout.trim().split('\n').at(-1) ?? '');
    });
  });
}

/** A unique state name for scripts/kafka.sh --name, so parallel runs never share a broker. */
export function brokerName(purpose: string): string {
  return `sluice-faults-${purpose}-${randomBytes(3).toString('hex')}`;
}

/** A topic prefix no other test uses. */
export function topicPrefix(): string {
  return `sluicefault-${randomBytes(4).toString('hex')}-`;
}

export interface LoggedSluice {
  child: ChildProcess;
  /** Parsed JSON log lines (stdout) so far. */
  logs: { msg?: string; level?: number; [key: string]: unknown }[];
  stderr: () => string;
  exited: Promise<number | string>;
  /** Resolves with the first log line (already seen or coming) that matches. */
  waitForLog: (match: (entry: { msg?: string; [key: string]: unknown }) => boolean, timeoutMs: number) => Promise<{ msg?: string; [key: string]: unknown }>;
}

/**
 * Spawns `sluice start --port 0` without waiting for it to listen (it may be waiting for
 * Kafka); every stdout log line is kept and can be awaited. Killed when the test ends.
 */
export function spawnLoggedSluice(t: TestContext, args: string[], env: NodeJS.ProcessEnv): LoggedSluice {
  const child = spawn(process.execPath, [binPath, 'start', '--port', '0', '--log-level', 'info', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const logs: LoggedSluice['logs'] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LoggedSluice['logs'][number]);
    } catch {
      return;
    }
    for (const listener of listeners) listener();
  });
  const waitForLog: LoggedSluice['waitForLog'] = (match, timeoutMs) =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = logs.find(match);
        if (found === undefined) return false;
        done();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms; logs: ${logs.map((entry) => entry.msg).join(' | ')}; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      const onExit = (code: number | string): void => {
        if (check()) return;
        done();
        reject(new Error(`sluice exited (${code}) first; logs: ${logs.map((entry) => entry.msg).join(' | ')}; stderr: ${stderr.slice(-2000)}`));
      };
      const listener = (): void => void check();
      function done(): void {
        clearTimeout(timer);
        listeners.delete(listener);
      }
      if (check()) return;
      listeners.add(listener);
      void exited.then(onExit);
    });
  return { child, logs, stderr: () => stderr, exited, waitForLog };
}

/** The address of a LoggedSluice once it listens. */
export async function listening(sluice: LoggedSluice, timeoutMs: number): Promise<string> {
  const entry = await sluice.waitForLog((line) => line.msg === 'sluice is listening' && typeof line.address === 'string', timeoutMs);
  return entry.address as string;
}

/** Sends a request with a time limit; answers status, headers and the parsed body (or text). */
export async function timedCall(
  url: string,
  method: string,
  path: string,
  token: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers; body: any; elapsedMs: number }> {
  const started = Date.now();
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed, elapsedMs: Date.now() - started };
}
