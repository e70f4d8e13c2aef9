import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Telemetry } from '../../ports/telemetry.ts';
import { RequestDurations } from './request-durations.ts';

export interface Metrics {
  registry: Registry;
  telemetry: Telemetry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One ingest request parsed and validated on the ingest thread, or on the HTTP thread. */
  ingestPrepared(on: 'ingest_thread' | 'http_thread'): void;
}

/** Prometheus series for one Sluice instance, on a registry of its own. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  // prom-client's default names already start with process_ or nodejs_.
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const accepted = new Counter({
    name: 'sluice_events_accepted_total',
    help: 'Events appended to their stream.',
    labelNames: ['tenant', 'type'],
    registers: [registry],
  });
  const filtered = new Counter({
    name: 'sluice_events_filtered_total',
    help: 'Events a pipeline filter dropped on purpose.',
    labelNames: ['tenant', 'type'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'sluice_events_rejected_total',
    help: 'Events refused, by error code.',
    labelNames: ['tenant', 'type', 'code'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'sluice_events_dead_lettered_total',
    help: 'Events written to the dead-letter stream.',
    labelNames: ['tenant', 'type'],
    registers: [registry],
  });
  const ingestRequests = new Counter({
    name: 'sluice_ingest_requests_total',
    help: 'Ingest requests by the thread that parsed and validated their events (ingest_thread for large bodies, http_thread for small ones or when the ingest thread is busy).',
    labelNames: ['prepared_on'],
    registers: [registry],
  });
  const appendLatency = new Histogram({
    name: 'sluice_append_duration_seconds',
    help: 'Time from handing records to the log to their being durable.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'sluice_deliveries_total',
    help: 'Delivery attempts of subscriptions by outcome (delivered, failed, dead_lettered, gone).',
    labelNames: ['tenant', 'subscription', 'outcome'],
    registers: [registry],
  });
  const correlationOutcomes = new Counter({
    name: 'sluice_correlation_outcomes_total',
    help: 'Aggregates stored by correlations, complete or expired.',
    labelNames: ['tenant', 'correlation', 'kind'],
    registers: [registry],
  });
  const deliveredRecords = new Counter({
    name: 'sluice_delivered_records_total',
    help: 'Records delivered by subscriptions (2xx answers).',
    labelNames: ['tenant', 'subscription'],
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'sluice_delivery_duration_seconds',
    help: 'Time of one delivery attempt, request to answer.',
    labelNames: ['tenant', 'subscription'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requests = new RequestDurations(
    'sluice_http_request_duration_seconds',
    'HTTP requests by route and status.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
  );
  requests.register(registry);
  return {
    registry,
    telemetry: {
      accepted: (tenant, type, count) => accepted.inc({ tenant, type }, count),
      filtered: (tenant, type, count) => filtered.inc({ tenant, type }, count),
      rejected: (tenant, type, code, count) => rejected.inc({ tenant, type, code }, count),
      deadLettered: (tenant, type, count) => deadLettered.inc({ tenant, type }, count),
      appendLatency: (seconds) => appendLatency.observe(seconds),
      correlationOutcome: (tenant, correlation, kind) => correlationOutcomes.inc({ tenant, correlation, kind }),
      deliveryAttempt: (tenant, subscription, outcome, records, seconds) => {
        deliveries.inc({ tenant, subscription, outcome });
        if (outcome === 'delivered') deliveredRecords.inc({ tenant, subscription }, records);
        deliveryLatency.observe({ tenant, subscription }, seconds);
      },
    },
    observeRequest: (method, route, status, seconds) => requests.observe(method, route, status, seconds),
    ingestPrepared: (on) => ingestRequests.inc({ prepared_on: on }),
  };
}
