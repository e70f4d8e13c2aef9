/**
 * Outbound HTTP for push subscriptions. The adapter owns connections, the per-attempt
 * timeout, the response cap and the address guard; services decide what to send and what
 * an answer means.
 */

export interface WebhookRequest {
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** The endpoint answered (any status). */
export interface WebhookAnswer {
  kind: 'answer';
  status: number;
  /** Retry-After as milliseconds from now (seconds or an HTTP date), when sent and valid. */
  retryAfterMs?: number;
  /** The start of the response body as text, at most `excerptBytes` bytes. */
  excerpt: string;
  latencyMs: number;
}

/** No answer: the address was refused, the connection failed, or the attempt timed out. */
export interface WebhookFailure {
  kind: 'failure';
  /** `timeout`, `refused_address`, `dns`, `connection`, `tls` or `invalid_url`. */
  reason: WebhookFailureReason;
  message: string;
  latencyMs: number;
}

export type WebhookFailureReason = 'timeout' | 'refused_address' | 'dns' | 'connection' | 'tls' | 'invalid_url';

export type WebhookOutcome = WebhookAnswer | WebhookFailure;

export interface WebhookClient {
  /** Sends one POST; never follows redirects (a 3xx is an answer like any other). */
  post(request: WebhookRequest, signal?: AbortSignal): Promise<WebhookOutcome>;
  /**
   * Why Sluice may not deliver to this URL, or `undefined` when it may: the scheme is not
   * http(s), or (unless private networks are allowed) its host resolves to a loopback,
   * private, link-local or otherwise non-public address.
   */
  refusal(url: string): Promise<string | undefined>;
  close(): Promise<void>;
}
