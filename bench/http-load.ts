import { connect, type Socket } from 'node:net';
import { distribution, Samples, type Distribution } from './stats.ts';

/**
 * A small closed-loop HTTP/1.1 load generator on raw keep-alive sockets. Each connection
 * sends one request, waits for the whole answer, then sends the next, so the offered load
 * adapts to the server (like autocannon without pipelining). It costs the client less CPU
 * than node:http's client, which matters on a 2-core machine where the floor server would
 * otherwise be measured against the client's limits. The same generator drives the floor
 * and Sluice.
 */
export interface LoadSpec {
  /** Base URL, e.g. http://127.0.0.1:40123; only loopback is used by the benchmark. */
  url: string;
  path: string;
  method?: string;
  /** Extra request headers (authorization, content-type). */
  headers: Record<string, string>;
  connections: number;
  /** Keep sending until this much time has passed (closed loop)... */
  durationMs?: number;
  /** ...or until exactly this many requests were answered. */
  requests?: number;
  /** The body of the next request. */
  nextBody: () => Buffer;
  /** Statuses that count as success. */
  okStatuses: readonly number[];
  /** Called with the first answer and every 500th after: throw to fail the run. */
  inspect?: (status: number, body: Buffer) => void;
  /** Hard bound for the whole run. */
  timeoutMs: number;
}

export interface LoadResult {
  /** Answers received (any status). */
  responses: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** From the first request to the last answer. */
  elapsedMs: number;
  /** Of successful answers, in milliseconds. */
  latency: Distribution;
  errors: string[];
}

const maxHeaderBytes = 64 * 1024;

class Connection {
  readonly #socket: Socket;
  readonly #run: Run;
  #buffer: Buffer | null = null;
  #status = 0;
  #contentLength = -1;
  #closeAfter = false;
  #sentAt = 0;
  busy = false;

  constructor(run: Run, host: string, port: number) {
    this.#run = run;
    this.#socket = connect({ host, port });
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.#onBroken(error.message));
    this.#socket.on('close', () => this.#onBroken('connection closed by the server'));
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
  }

  send(head: string, body: Buffer): void {
    this.busy = true;
    this.#sentAt = performance.now();
    this.#socket.cork();
    this.#socket.write(head, 'latin1');
    this.#socket.write(body);
    this.#socket.uncork();
  }

  destroy(): void {
    this.busy = false;
    this.#socket.removeAllListeners('close');
    this.#socket.on('error', () => undefined);
    this.#socket.destroy();
  }

  #onBroken(reason: string): void {
    if (!this.busy) return;
    this.busy = false;
    this.#run.broken(this, reason);
  }

  #onData(chunk: Buffer): void {
    let buffer = this.#buffer === null ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#contentLength < 0) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > maxHeaderBytes) return this.#protocolError('response headers too large');
          break;
        }
        const head = buffer.toString('latin1', 0, end);
        this.#status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        if (length === null && /\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) return this.#protocolError('chunked answers are not supported');
        this.#contentLength = length === null ? 0 : Number(length[1]);
        this.#closeAfter = /\r\nconnection:[ \t]*close/i.test(head);
        buffer = buffer.subarray(end + 4);
      }
      if (buffer.length < this.#contentLength) break;
      const body = buffer.subarray(0, this.#contentLength);
      buffer = buffer.subarray(this.#contentLength);
      this.#contentLength = -1;
      this.busy = false;
      this.#run.answered(this, this.#status, body, performance.now() - this.#sentAt, this.#closeAfter);
      if (this.#closeAfter) return;
    }
    this.#buffer = buffer.length === 0 ? null : buffer;
  }

  #protocolError(reason: string): void {
    this.#buffer = null;
    this.#onBroken(reason);
  }
}

class Run {
  readonly #spec: LoadSpec;
  readonly #host: string;
  readonly #port: number;
  readonly #head: (length: number) => string;
  readonly #latencies = new Samples();
  readonly #statuses: Record<string, number> = {};
  readonly #errors: string[] = [];
  readonly #connections = new Set<Connection>();
  #started = 0;
  #lastAnswer = 0;
  #deadline = Number.POSITIVE_INFINITY;
  #issued = 0;
  #responses = 0;
  #ok = 0;
  #failed = 0;
  #reconnects = 0;
  #stopping = false;
  #finish: (() => void) | undefined;

  constructor(spec: LoadSpec) {
    this.#spec = spec;
    const url = new URL(spec.url);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    const fixed = Object.entries({ host: url.host, ...spec.headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const requestLine = `${spec.method ?? 'POST'} ${spec.path} HTTP/1.1\r\n`;
    this.#head = (length) => `${requestLine}${fixed}content-length: ${length}\r\n\r\n`;
  }

  async execute(): Promise<LoadResult> {
    const { connections, durationMs, requests, timeoutMs } = this.#spec;
    if ((durationMs === undefined) === (requests === undefined)) throw new Error('give either durationMs or requests');
    const opened = Array.from({ length: connections }, () => new Connection(this, this.#host, this.#port));
    for (const connection of opened) this.#connections.add(connection);
    try {
      await Promise.all(opened.map((connection) => connection.connected()));
    } catch (error) {
      for (const connection of opened) connection.destroy();
      throw new Error(`cannot connect to ${this.#spec.url}: ${(error as Error).message}`);
    }
    const done = new Promise<void>((resolve) => (this.#finish = resolve));
    const timer = setTimeout(() => {
      this.#errors.push(`the run did not finish within ${timeoutMs} ms`);
      this.#stop();
    }, timeoutMs);
    this.#started = performance.now();
    this.#lastAnswer = this.#started;
    if (durationMs !== undefined) this.#deadline = this.#started + durationMs;
    for (const connection of opened) this.#sendNext(connection);
    this.#checkDone();
    await done;
    clearTimeout(timer);
    for (const connection of this.#connections) connection.destroy();
    return {
      responses: this.#responses,
      ok: this.#ok,
      failed: this.#failed,
      statuses: this.#statuses,
      elapsedMs: this.#lastAnswer - this.#started,
      latency: distribution(this.#latencies),
      errors: this.#errors.slice(0, 10),
    };
  }

  answered(connection: Connection, status: number, body: Buffer, latencyMs: number, closing: boolean): void {
    this.#lastAnswer = performance.now();
    this.#responses++;
    this.#statuses[status] = (this.#statuses[status] ?? 0) + 1;
    if (this.#spec.okStatuses.includes(status)) {
      this.#ok++;
      this.#latencies.push(latencyMs);
    } else {
      this.#failed++;
      if (this.#errors.length < 10) this.#errors.push(`HTTP ${status}: ${body.toString('utf8', 0, Math.min(body.length, 300))}`);
    }
    if (this.#spec.inspect !== undefined && (this.#responses === 1 || this.#responses % 500 === 0)) {
      try {
        this.#spec.inspect(status, body);
      } catch (error) {
        this.#errors.push(`inspection failed: ${(error as Error).message}`);
        this.#stop();
        return;
      }
    }
    if (closing) this.#replace(connection);
    else this.#sendNext(connection);
    this.#checkDone();
  }

  broken(connection: Connection, reason: string): void {
    this.#failed++;
    if (this.#errors.length < 10) this.#errors.push(reason);
    this.#replace(connection);
    this.#checkDone();
  }

  #replace(connection: Connection): void {
    connection.destroy();
    this.#connections.delete(connection);
    if (this.#stopping || !this.#wantsMore()) return;
    if (++this.#reconnects > this.#spec.connections * 10) {
      this.#errors.push('too many broken connections; giving up');
      this.#stop();
      return;
    }
    const fresh = new Connection(this, this.#host, this.#port);
    this.#connections.add(fresh);
    fresh.busy = true;
    fresh.connected().then(
      () => {
        fresh.busy = false;
        this.#sendNext(fresh);
        this.#checkDone();
      },
      (error: unknown) => {
        fresh.busy = false;
        this.broken(fresh, `reconnect failed: ${(error as Error).message}`);
      },
    );
  }

  #wantsMore(): boolean {
    if (this.#stopping) return false;
    if (this.#spec.requests !== undefined) return this.#issued < this.#spec.requests;
    return performance.now() < this.#deadline;
  }

  #sendNext(connection: Connection): void {
    if (!this.#wantsMore()) return;
    this.#issued++;
    const body = this.#spec.nextBody();
    connection.send(this.#head(body.length), body);
  }

  #checkDone(): void {
    if (this.#finish === undefined) return;
    for (const connection of this.#connections) if (connection.busy) return;
    if (this.#wantsMore() && this.#connections.size > 0) return;
    this.#finish();
  }

  #stop(): void {
    this.#stopping = true;
    for (const connection of this.#connections) connection.destroy();
    this.#finish?.();
  }
}

/** Runs one closed-loop load and answers what it measured. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Run(spec).execute();
}
