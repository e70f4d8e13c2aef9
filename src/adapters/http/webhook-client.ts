/**
 * The WebhookClient port over undici: pooled keep-alive connections per origin, a time limit
 * per attempt, no redirects, a capped read of the answer, and an address guard that checks
 * the address actually connected to (after DNS resolution), so a name that resolves to an
 * internal address is refused like the address itself.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Agent, errors, request } from 'undici';
import type { WebhookClient, WebhookFailureReason, WebhookOutcome, WebhookRequest } from '../../ports/webhook-client.ts';
import { refusedAddress } from './address-guard.ts';

export interface WebhookClientOptions {
  /** Deliver to loopback, private and link-local addresses too. */
  allowPrivateNetworks: boolean;
  /** Bytes of an answer kept for operators (default 1 KiB). */
  excerptBytes?: number;
  /** Bytes of an answer read at most; the rest is not read and the connection is closed (default 64 KiB). */
  maxResponseBytes?: number;
  /** Connections kept per origin (default 64). */
  connectionsPerOrigin?: number;
  /** Name resolution, for tests (default: every address dns.lookup gives). */
  lookup?: ResolveHost;
}

/** Every address a host name resolves to; rejects like dns.lookup (`ENOTFOUND`, `EAI_AGAIN`). */
export type ResolveHost = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

class RefusedAddress extends Error {
  readonly code = 'SLUICE_REFUSED_ADDRESS';
}

const systemResolve: ResolveHost = (hostname, options) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => (error === null ? resolve(addresses) : reject(error)));
  });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` net.connect calls before connecting to a name. With `guard`, it fails when any
 * address the name resolves to is refused: checking all of them (not only the one tried
 * first) keeps a name that mixes public and internal addresses from slipping through on a retry.
 */
function connectLookup(resolveHost: ResolveHost, guard: boolean): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    void resolveHost(hostname, options).then(
      (addresses) => {
        const refusal = guard ? addresses.map(({ address }) => refusedAddress(address)).find((reason) => reason !== undefined) : undefined;
        const first = addresses[0];
        if (refusal !== undefined) callback(new RefusedAddress(`${hostname} resolves to ${refusal}`), '');
        else if (first === undefined) callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '');
        else if (options.all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * A WebhookClient over one undici Agent. Unless `allowPrivateNetworks`, every connection is
 * checked against the address guard: IP literals before sending, names on the addresses
 * they resolve to when the connection is made.
 */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const excerptBytes = options.excerptBytes ?? 1024;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const resolveHost = options.lookup ?? systemResolve;
  const guarded = !options.allowPrivateNetworks;
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: guarded || options.lookup !== undefined ? { lookup: connectLookup(resolveHost, guarded) } : {},
  });
  let closed: Promise<void> | undefined;

  async function post(webhook: WebhookRequest, signal?: AbortSignal): Promise<WebhookOutcome> {
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return { kind: 'failure', reason: 'invalid_url', message: `"${webhook.url}" is not a URL`, latencyMs: 0 };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { kind: 'failure', reason: 'invalid_url', message: `the scheme must be http or https, not ${url.protocol.slice(0, -1)}`, latencyMs: 0 };
    }
    if (guarded) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const refusal = isIP(host) === 0 ? undefined : refusedAddress(host);
      if (refusal !== undefined) return { kind: 'failure', reason: 'refused_address', message: refusal, latencyMs: 0 };
    }
    // undici's own timers bound the attempt (no answer, then no body progress, within the
    // limit): a timer and a combined AbortSignal per request cost more than the request's own
    // work. They tick every half second, so a limit is kept to within about a second. They
    // start once the request is written: connecting is bounded by the Agent's connect timeout.
    // A limit of 0 would switch them off.
    const limitMs = Math.max(1, webhook.timeoutMs);
    const timeouts = { headersTimeout: limitMs, bodyTimeout: limitMs };
    try {
      const answer = await request(url, {
        method: 'POST',
        headers: webhook.headers,
        body: webhook.body,
        dispatcher: agent,
        ...timeouts,
        ...(signal === undefined ? {} : { signal }),
      });
      const excerpt = await readCapped(answer.body, excerptBytes, maxResponseBytes, started + webhook.timeoutMs);
      const outcome: WebhookOutcome = { kind: 'answer', status: answer.statusCode, excerpt, latencyMs: elapsed() };
      const retryAfter = parseRetryAfter(answer.headers['retry-after']);
      if (retryAfter !== undefined) outcome.retryAfterMs = retryAfter;
      return outcome;
    } catch (error) {
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
        return { kind: 'failure', reason: 'timeout', message: `no answer within ${webhook.timeoutMs} ms`, latencyMs: elapsed() };
      }
      if (signal?.aborted === true)
        return { kind: 'failure', reason: 'connection', message: 'the attempt was abandoned before an answer', latencyMs: elapsed() };
      return { kind: 'failure', ...describe(error), latencyMs: elapsed() };
    }
  }

  async function refusal(target: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return 'it is not an absolute URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the scheme must be http or https, not ${url.protocol.slice(0, -1)}`;
    if (url.username !== '' || url.password !== '') return 'credentials in the URL are not sent; use destination.headers';
    if (!guarded) return undefined;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) return refusedAddress(host);
    let addresses: LookupAddress[];
    try {
      addresses = await resolveHost(host, {});
    } catch (error) {
      return `host "${host}" does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    if (addresses.length === 0) return `host "${host}" does not resolve`;
    return addresses.map(({ address }) => refusedAddress(address)).find((reason) => reason !== undefined);
  }

  // undici rejects a second close; shutting down twice should not.
  return { post, refusal, close: () => (closed ??= agent.close()) };
}

/**
 * The start of a body as text, reading at most `maxBytes` of it until `deadline`; the rest is
 * cut off, which closes the connection instead of returning it to the pool.
 */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, excerptBytes: number, maxBytes: number, deadline: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let read = 0;
  let whole = true;
  for await (const chunk of body) {
    read += chunk.length;
    if (keptBytes < excerptBytes) {
      const part = chunk.subarray(0, excerptBytes - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    // A body that trickles in is cut off at the attempt's time limit.
    if (read >= maxBytes || performance.now() > deadline) {
      whole = false;
      body.destroy();
      break;
    }
  }
  // Cut mid-character, the partial character is dropped rather than shown as U+FFFD; bytes
  // that are invalid in the body itself still are.
  const decoder = new StringDecoder('utf8');
  const bytes = Buffer.concat(kept);
  return whole && read === keptBytes ? decoder.end(bytes) : decoder.write(bytes);
}

/** The three HTTP-date forms (RFC 9110 §5.6.7); Date.parse alone takes `1.5` or `-1` for dates. */
const httpDates = [
  /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i,
  /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i,
  /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i,
];

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  if (!httpDates.some((form) => form.test(text))) return undefined;
  // asctime carries no zone: HTTP dates are always GMT.
  const date = Date.parse(text.endsWith('GMT') ? text : `${text} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(error: unknown): { reason: WebhookFailureReason; message: string } {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof RefusedAddress) return { reason: 'refused_address', message: current.message };
    // Not every error's code is a string: a DOMException's is a number.
    const raw: unknown = (current as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : '';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { reason: 'dns', message: current.message };
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code) || code.includes('CERT')) return { reason: 'tls', message: current.message };
  }
  return { reason: 'connection', message: error instanceof Error ? error.message : String(error) };
}
