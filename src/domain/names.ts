import { SluiceError } from './errors.ts';

const tenantPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const typePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const groupPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The stream holding a tenant's dead letters. */
export const deadLetterType = '_dead';

export function isTenantId(value: string): boolean {
  return tenantPattern.test(value);
}

export function isTypeName(value: string): boolean {
  return typePattern.test(value);
}

export function assertTenantId(value: string): void {
  if (!isTenantId(value)) throw new SluiceError('invalid_name', `"${value}" is not a valid tenant id`);
}

export function assertTypeName(value: string): void {
  if (!isTypeName(value)) throw new SluiceError('invalid_name', `"${value}" is not a valid event type name`);
}

export function assertGroupName(value: string): void {
  if (!groupPattern.test(value)) throw new SluiceError('invalid_name', `"${value}" is not a valid consumer group name`);
}

/**
 * @example streamName('acme', 'fruits') // 'acme.fruits'
 */
export function streamName(tenant: string, type: string): string {
  return `${tenant}.${type}`;
}

export function deadLetterStream(tenant: string): string {
  return streamName(tenant, deadLetterType);
}

/**
 * The stream recording which of a tenant's dead letters were redriven, and where to: kept by
 * Sluice, not listed or readable as a stream.
 */
export function redriveStream(tenant: string): string {
  return `${tenant}._redriven`;
}

/** Splits `acme.fruits` into its tenant and type; tenant ids never contain a dot. */
export function parseStreamName(name: string): { tenant: string; type: string } | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const tenant = name.slice(0, dot);
  const type = name.slice(dot + 1);
  if (!isTenantId(tenant) || !(isTypeName(type) || type === deadLetterType)) return undefined;
  return { tenant, type };
}
