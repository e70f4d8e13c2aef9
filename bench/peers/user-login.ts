/**
 * The workload of the peer benchmarks: user-login records as a mobile backend writes them to
 * a Kafka topic, about 1% of them invalid, and the processing every system under comparison
 * does to them (validate, rename `timestamp` to an ISO `created_at`, stamp `processed_at`).
 */
import { seeded } from '../workload.ts';

export const loginType = 'user-login';
export const loginPartitions = 4;
export const loginPartitionKey = '/user_id';

/** The schema every system validates against; the Python and Java programs read it from the bench. */
export const loginSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['user_id', 'app_version', 'device_type', 'ip', 'timestamp'],
  properties: {
    user_id: { type: 'string', minLength: 1, maxLength: 64 },
    app_version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$' },
    device_type: { enum: ['ios', 'android', 'web'] },
    ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    locale: { type: 'string', maxLength: 35 },
    device_id: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    timestamp: { type: 'integer', minimum: 0 },
  },
} as const;

/** Sluice's pipeline for the type: what the peers' hand-written transform does. */
export const loginPipeline = {
  steps: [
    { rename: { timestamp: 'created_at' } },
    { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } },
    { set: { processed_at: { now: true } } },
  ],
};

/** One record in a hundred breaks the schema. */
export const invalidEvery = 100;

const devices = ['ios', 'android', 'web'] as const;
const locales = ['en-US', 'de-DE', 'fr-FR', 'it-IT', 'es-ES', 'pl-PL', 'sv-SE', 'ja-JP', 'pt-BR'];
const versions = ['4.12.1', '4.12.2', '4.13.0', '5.0', '5.0.1'];

/** Ways a producer gets a login wrong, one per invalid record in turn. */
const breakages: ((record: Record<string, unknown>) => void)[] = [
  (record) => delete record.user_id,
  (record) => void (record.device_type = 'blackberry'),
  (record) => void (record.ip = '300.1.2.3'),
  (record) => void (record.timestamp = String(record.timestamp)),
  (record) => void (record.app_version = 'v5'),
];

function hex(random: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += Math.floor(random() * 16).toString(16);
  return text;
}

function address(random: () => number): string {
  if (random() < 0.2) return `2001:db8:${hex(random, 4)}::${hex(random, 4)}`;
  const octet = (): number => Math.floor(random() * 256);
  return `${1 + Math.floor(random() * 223)}.${octet()}.${octet()}.${octet()}`;
}

export interface LoginRecord {
  key: string;
  value: string;
  valid: boolean;
}

/**
 * `count` records from a seeded generator, so every run and every system gets the same data;
 * every `invalidEvery`-th record is broken in one of the ways above.
 *
 * @example
 * const records = loginRecords(1000); // 990 valid, 10 invalid
 */
export function loginRecords(count: number, seed = 11): LoginRecord[] {
  const random = seeded(seed);
  const users = Array.from({ length: 20_000 }, (_, i) => `u-${100_000 + i}`);
  const start = Date.UTC(2026, 0, 1) / 1000;
  const records: LoginRecord[] = [];
  for (let i = 0; i < count; i++) {
    const userId = users[Math.floor(random() * users.length)]!;
    const record: Record<string, unknown> = {
      user_id: userId,
      app_version: versions[Math.floor(random() * versions.length)],
      device_type: devices[Math.floor(random() * devices.length)],
      ip: address(random),
      locale: locales[Math.floor(random() * locales.length)],
      device_id: hex(random, 16),
      timestamp: start + Math.floor(random() * 90 * 86_400),
    };
    const valid = (i + 1) % invalidEvery !== 0;
    if (!valid) breakages[Math.floor(i / invalidEvery) % breakages.length]!(record);
    records.push({ key: userId, value: JSON.stringify(record), valid });
  }
  return records;
}
