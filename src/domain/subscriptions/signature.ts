import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures: `v1,` and base64 of HMAC-SHA256 over `<id>.<timestamp>.<body>`,
 * keyed with the bytes of a `whsec_` secret. Several secrets (during a rotation) give several
 * signatures, separated by spaces, and a receiver accepts the message if any one verifies.
 *
 * @example
 * signWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_1', 1700000000, '{"a":1}')
 * // 'v1,...'
 */
export function signWebhook(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretBytes(secret)).update(`${id}.${timestampSeconds}.`).update(body).digest('base64')}`)
    .join(' ');
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
