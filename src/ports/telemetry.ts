/** What the services report as they work; the metrics edge turns it into Prometheus series. */
export interface Telemetry {
  accepted(tenant: string, type: string, count: number): void;
  /** Dropped on purpose by a pipeline filter. */
  filtered(tenant: string, type: string, count: number): void;
  rejected(tenant: string, type: string, code: string, count: number): void;
  deadLettered(tenant: string, type: string, count: number): void;
  appendLatency(seconds: number): void;
  /**
   * One delivery attempt of a subscription: `delivered` (2xx), `failed` (will be retried),
   * `dead_lettered` (given up), `gone` (410, the subscription was disabled); `seconds` is
   * the attempt's latency, `records` how many records it carried.
   */
  deliveryAttempt(tenant: string, subscription: string, outcome: DeliveryOutcome, records: number, seconds: number): void;
  /** A correlation stored an aggregate: `complete`, or `expired` at its timeout. */
  correlationOutcome(tenant: string, correlation: string, kind: 'complete' | 'expired'): void;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead_lettered' | 'gone';

export const silentTelemetry: Telemetry = {
  accepted: () => undefined,
  filtered: () => undefined,
  rejected: () => undefined,
  deadLettered: () => undefined,
  appendLatency: () => undefined,
  deliveryAttempt: () => undefined,
  correlationOutcome: () => undefined,
};
