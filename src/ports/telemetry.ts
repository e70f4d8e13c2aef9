/** What the services report as they work; the metrics edge turns it into Prometheus series. */
export interface Telemetry {
  accepted(tenant: string, type: string, count: number): void;
  /** Dropped on purpose by a pipeline filter. */
  filtered(tenant: string, type: string, count: number): void;
  rejected(tenant: string, type: string, code: string, count: number): void;
  deadLettered(tenant: string, type: string, count: number): void;
  appendLatency(seconds: number): void;
}

export const silentTelemetry: Telemetry = {
  accepted: () => undefined,
  filtered: () => undefined,
  rejected: () => undefined,
  deadLettered: () => undefined,
  appendLatency: () => undefined,
};
