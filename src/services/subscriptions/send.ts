import type { SubscriptionDoc } from '../../domain/catalog-docs.ts';
import { deliveryBody, messageId } from '../../domain/subscriptions/cloudevent.ts';
import { signWebhook } from '../../domain/subscriptions/signature.ts';
import type { LogRecord } from '../../ports/event-log.ts';
import type { WebhookClient } from '../../ports/webhook-client.ts';

/** What one attempt came to: delivered, try again later, or the endpoint is gone for good. */
export interface AttemptResult {
  outcome: 'delivered' | 'retry' | 'gone';
  status?: number;
  retryAfterMs?: number;
  /** Why there was no answer (`timeout`, `connection`, …) with the message. */
  error?: string;
  /** The start of the answer's body. */
  excerpt: string;
  latencyMs: number;
}

/**
 * Sends records to a subscription's endpoint once, signed with every live secret, and says
 * what the answer means: 2xx delivered, 410 gone, anything else (or no answer) retry.
 */
export async function sendOnce(client: WebhookClient, doc: SubscriptionDoc, records: readonly LogRecord[], signal?: AbortSignal): Promise<AttemptResult> {
  const destination = doc.destination;
  if (destination.kind !== 'webhook') throw new Error(`subscription "${doc.name}" is a ${destination.kind} sink, not a webhook`);
  const now = Date.now();
  const { body, headers } = deliveryBody(records, records.length === 1 ? destination.mode : 'structured');
  const id = messageId(records);
  const timestamp = Math.floor(now / 1000);
  const secrets = doc.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now).map((s) => s.secret);
  const outcome = await client.post(
    {
      url: destination.url,
      headers: {
        ...destination.headers,
        ...headers,
        'user-agent': 'Sluice-Webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secrets, id, timestamp, body),
      },
      body,
      timeoutMs: doc.delivery.timeoutMs,
    },
    signal,
  );
  if (outcome.kind === 'failure') return { outcome: 'retry', error: `${outcome.reason}: ${outcome.message}`, excerpt: '', latencyMs: outcome.latencyMs };
  const result: AttemptResult = {
    outcome: outcome.status >= 200 && outcome.status < 300 ? 'delivered' : outcome.status === 410 ? 'gone' : 'retry',
    status: outcome.status,
    excerpt: outcome.excerpt,
    latencyMs: outcome.latencyMs,
  };
  if (outcome.retryAfterMs !== undefined && (outcome.status === 429 || outcome.status === 503)) result.retryAfterMs = outcome.retryAfterMs;
  return result;
}

/**
 * The wait before the next attempt after `attempts` failed ones, or `undefined` when the
 * schedule is used up. The schedule's delay varies by ±20% so that many records failing
 * together do not all come back at the same instant; a Retry-After (429/503) is honoured
 * as sent, up to the schedule's longest delay.
 */
export function retryDelay(
  schedule: readonly number[],
  attempts: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const planned = schedule[attempts - 1];
  if (planned === undefined) return undefined;
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, Math.max(...schedule));
  return Math.round(planned * (0.8 + 0.4 * random()));
}
