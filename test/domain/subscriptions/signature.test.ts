import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { signWebhook } from '../../../src/domain/subscriptions/signature.ts';

void test('signatures verify with the standardwebhooks package, for each secret of a rotation', () => {
  const current = `whsec_${randomBytes(32).toString('base64')}`;
  const previous = `whsec_${randomBytes(24).toString('base64')}`;
  const body = '{"specversion":"1.0","id":"e-1","data":{"amount":12.5,"text":"grüße"}}';
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = signWebhook([current, previous], 'acme.orders:0:7', timestamp, body);
  const headers = { 'webhook-id': 'acme.orders:0:7', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
  assert.equal(signature.split(' ').length, 2);
  for (const secret of [current, previous]) assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
  const stranger = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
  assert.throws(() => stranger.verify(body, headers));
  assert.throws(() => new Webhook(current).verify(`${body} `, headers), 'a changed body does not verify');
});
