/**
 * The WebhookClient port over undici: pooled keep-alive connections per origin, a time limit
 * per attempt, no redirects, a capped read of the answer, and an address guard that checks
 * the address actually connected to (after DNS resolution), so a name that resolves to an
 * internal address is refused like the address itself.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
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
}

class RefusedAddress extends Error {
  readonly code = 'SLUICE_REFUSED_ADDRESS';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails when any address a name resolves to is refused. */
function guardedLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) {
      callback(error, '');
      return;
    }
    for (const { address } of addresses) {
      const refusal = refusedAddress(address);
      if (refusal !== undefined) {
        callback(new RefusedAddress(`${hostname} resolves to ${refusal}`), '');
        return;
      }
    }
    if ((options as LookupAllOptions).all === true) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const excerptBytes = options.excerptBytes ?? 1024;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: options.allowPrivateNetworks ? {} : { lookup: guardedLookup },
  });

  async function post(webhook: WebhookRequest, signal?: AbortSignal): Promise<WebhookOutcome> {
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    let url: URL;
    try {
      url = new URL(webhook.url);
    } catch {
      return { kind: 'failure', reason: 'invalid_url', message: `"${webhook.url}" is not a URL`, latencyMs: 0 };
    }
    if (!options.allowPrivateNetworks) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const refusal = isIP(host) === 0 ? undefined : refusedAddress(host);
      if (refusal !== undefined) return { kind: 'failure', reason: 'refused_address', message: refusal, latencyMs: 0 };
    }
    // undici's own timers bound the attempt (no answer, then no body progress, within the
    // limit): a timer and a combined AbortSignal per request cost more than the request's own work.
    const timeouts = { headersTimeout: webhook.timeoutMs, bodyTimeout: webhook.timeoutMs };
    try {
      const answer = await request(url, { method: 'POST', headers: webhook.headers, body: webhook.body, dispatcher: agent, ...timeouts, ...(signal === undefined ? {} : { signal }) });
      const excerpt = await readCapped(answer.body, excerptBytes, maxResponseBytes, started + webhook.timeoutMs);
      const outcome: WebhookOutcome = { kind: 'answer', status: answer.statusCode, excerpt, latencyMs: elapsed() };
      const retryAfter = parseRetryAfter(answer.headers['retry-after']);
      if (retryAfter !== undefined) outcome.retryAfterMs = retryAfter;
      return outcome;
    } catch (error) {
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
        return { kind: 'failure', reason: 'timeout', message: `no answer within ${webhook.timeoutMs} ms`, latencyMs: elapsed() };
      }
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
    if (options.allowPrivateNetworks) return undefined;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) return refusedAddress(host);
    return new Promise((resolve) => {
      dnsLookup(host, { all: true }, (error, addresses) => {
        if (error !== null) resolve(`host "${host}" does not resolve (${error.code ?? error.message})`);
        else resolve(addresses.map(({ address }) => refusedAddress(address)).find((reason) => reason !== undefined));
      });
    });
  }

  return { post, refusal, close: () => agent.close() };
}

/** The start of a body as text, reading at most `maxBytes` of it until `deadline`; the rest is cut off. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, excerptBytes: number, maxBytes: number, deadline: number): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (keptBytes < excerptBytes) {
      const part = chunk.subarray(0, excerptBytes - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    // A body that trickles in is cut off at the attempt's time limit.
    if (read >= maxBytes || performance.now() > deadline) {
      body.destroy();
      break;
    }
  }
  // A multi-byte character cut at the end decodes as U+FFFD.
  return Buffer.concat(kept).toString('utf8');
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d{1,9}$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(error: unknown): { reason: WebhookFailureReason; message: string } {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    if (current instanceof RefusedAddress) return { reason: 'refused_address', message: current.message };
    const code = (current as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { reason: 'dns', message: current.message };
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code) || code.includes('CERT')) return { reason: 'tls', message: current.message };
  }
  return { reason: 'connection', message: error instanceof Error ? error.message : String(error) };
}
