/**
 * What the benchmark sends: an `orders` event type with a 6-property JSON Schema (formats,
 * patterns, bounds, a nested object) partitioned by customer, and realistic ~300-byte
 * events built from a seeded generator so every run sends the same data.
 */
import { randomUUID } from 'node:crypto';

export const benchTenant = 'bench';
export const benchType = 'orders';
export const benchStream = `${benchTenant}.${benchType}`;
export const benchPartitions = 4;

export const orderSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['order_id', 'customer_id', 'email', 'amount', 'created_at', 'shipping'],
  properties: {
    order_id: { type: 'string', format: 'uuid' },
    customer_id: { type: 'string', pattern: '^cus_[0-9a-z]{10}$' },
    email: { type: 'string', format: 'email', maxLength: 254 },
    amount: { type: 'number', minimum: 0, maximum: 1_000_000 },
    created_at: { type: 'string', format: 'date-time' },
    shipping: {
      type: 'object',
      additionalProperties: false,
      required: ['street', 'city', 'postal_code', 'country'],
      properties: {
        street: { type: 'string', minLength: 1, maxLength: 200 },
        city: { type: 'string', minLength: 1, maxLength: 100 },
        postal_code: { type: 'string', pattern: '^[0-9A-Z -]{3,10}$' },
        country: { type: 'string', pattern: '^[A-Z]{2}$' },
      },
    },
  },
} as const;

export const partitionKey = '/customer_id';

/** The fields the pipeline's allow-list keeps, in its order. */
export const keptFields = ['order_id', 'customer_id', 'email', 'amount', 'ordered_at', 'processed_at', 'shipping.city', 'shipping.country'] as const;

/**
 * The 5-step pipeline of scenario 5, what a consumer of orders typically does before
 * analytics: rename a field, turn its timestamp into epoch milliseconds, stamp the
 * processing time, pseudonymise the email, and drop the street and postal code.
 */
export const orderPipeline = {
  steps: [
    { rename: { created_at: 'ordered_at' } },
    { convert: { ordered_at: { from: 'iso8601', to: 'epoch-millis' } } },
    { set: { processed_at: { now: true } } },
    { hash: ['email'] },
    { keep: [...keptFields] },
  ],
};

/** mulberry32: a tiny seeded PRNG, so the data is the same in every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = ['anna', 'ben', 'chiara', 'dmitri', 'emma', 'farid', 'greta', 'hiro', 'ines', 'jonas', 'kofi', 'lena', 'mateo', 'noor', 'oskar', 'priya'];
const lastNames = ['schmidt', 'rossi', 'novak', 'garcia', 'kowalski', 'haddad', 'tanaka', 'silva', 'johansson', 'okafor', 'dubois', 'meyer'];
const domains = ['example.com', 'mail.example.org', 'shop.example.net', 'corp.example.io'];
const streets = ['Lindenstrasse', 'Via Roma', 'Rue de la Paix', 'Main Street', 'Kungsgatan', 'Calle Mayor', 'Nowy Swiat', 'Bahnhofstrasse'];
const cities: [string, string][] = [
  ['Berlin', 'DE'],
  ['Milano', 'IT'],
  ['Paris', 'FR'],
  ['Springfield', 'US'],
  ['Stockholm', 'SE'],
  ['Madrid', 'ES'],
  ['Warszawa', 'PL'],
  ['Zurich', 'CH'],
];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function hex(random: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += Math.floor(random() * 16).toString(16);
  return text;
}

function uuid(random: () => number): string {
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

function customerId(random: () => number): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let text = 'cus_';
  for (let i = 0; i < 10; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

/** One order's data (the six schema properties). */
export function orderData(random: () => number, customers: readonly string[]): Record<string, unknown> {
  const first = pick(random, firstNames);
  const last = pick(random, lastNames);
  const [city, country] = pick(random, cities);
  const created = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 180 * 86_400_000));
  return {
    order_id: uuid(random),
    customer_id: pick(random, customers),
    email: `${first}.${last}${Math.floor(random() * 100)}@${pick(random, domains)}`,
    amount: Math.round(random() * 50_000) / 100,
    created_at: created.toISOString(),
    shipping: {
      street: `${pick(random, streets)} ${1 + Math.floor(random() * 200)}, Building ${String.fromCharCode(65 + Math.floor(random() * 6))}, Floor ${Math.floor(random() * 9)}`,
      city,
      postal_code: String(10000 + Math.floor(random() * 89999)),
      country,
    },
  };
}

/**
 * A pool of serialised event bodies without the opening brace (`"type":...}`), so an `id`
 * can be put in front cheaply. Events are Sluice's native shape `{"type","data"}`.
 */
export class EventPool {
  readonly tails: string[];
  readonly averageBytes: number;

  constructor(size: number, seed = 42) {
    const random = seeded(seed);
    const customers = Array.from({ length: 5000 }, () => customerId(random));
    this.tails = Array.from({ length: size }, () => JSON.stringify({ type: benchType, data: orderData(random, customers) }).slice(1));
    this.averageBytes = this.tails.reduce((sum, tail) => sum + tail.length + 1, 0) / size;
  }
}

/**
 * Makes request bodies from the pool: a JSON array of `perRequest` events, or one event
 * object when `perRequest` is 1. With `withIds`, every event carries a new producer-chosen
 * `id` (the dedup window's path): a random UUID, as producers' idempotency keys and
 * CloudEvents ids usually are, so consecutive ids are not neighbours in any index.
 */
export class BodyMaker {
  readonly #pool: EventPool;
  readonly #perRequest: number;
  readonly #withIds: boolean;
  #next = 0;

  constructor(pool: EventPool, perRequest: number, withIds: boolean) {
    this.#pool = pool;
    this.#perRequest = perRequest;
    this.#withIds = withIds;
  }

  #event(): string {
    const tail = this.#pool.tails[this.#next]!;
    this.#next = (this.#next + 1) % this.#pool.tails.length;
    return this.#withIds ? `{"id":"${randomUUID()}",${tail}` : `{${tail}`;
  }

  next(): Buffer {
    if (this.#perRequest === 1) return Buffer.from(this.#event());
    const events = new Array<string>(this.#perRequest);
    for (let i = 0; i < this.#perRequest; i++) events[i] = this.#event();
    return Buffer.from(`[${events.join(',')}]`);
  }
}
