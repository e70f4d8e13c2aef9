import type { Store } from '../ports/store.ts';
import type { Telemetry } from '../ports/telemetry.ts';
import { ConfluentRegistry } from './confluent/schema-registry.ts';
import { DeadLetterService } from './dead-letters.ts';
import { GroupService } from './groups.ts';
import { IngestService } from './ingest.ts';
import { PipelineTester } from './pipeline-tester.ts';
import { StreamReader } from './reader.ts';
import { TypeRegistry } from './registry.ts';
import { TenantService } from './tenants.ts';

export interface Services {
  tenants: TenantService;
  registry: TypeRegistry;
  /** The Confluent Schema Registry API over `registry`. */
  confluent: ConfluentRegistry;
  ingest: IngestService;
  reader: StreamReader;
  groups: GroupService;
  deadLetters: DeadLetterService;
  pipelines: PipelineTester;
}

export interface ServiceSettings {
  adminToken: string;
  maxPendingEvents: number;
  sessionTimeoutMs: number;
}

/** Wires the use cases over the ports of one store. */
export function createServices(store: Store, telemetry: Telemetry, settings: ServiceSettings): Services {
  const tenants = new TenantService(store.catalog, store.log, settings.adminToken);
  const registry = new TypeRegistry(store.catalog, store.log);
  const reader = new StreamReader(store.log);
  return {
    tenants,
    registry,
    confluent: new ConfluentRegistry(store.catalog, store.log, registry),
    reader,
    ingest: new IngestService(registry, store.log, telemetry, { maxPendingEvents: settings.maxPendingEvents }),
    groups: new GroupService(store.groups, store.log, reader, { sessionTimeoutMs: settings.sessionTimeoutMs }),
    deadLetters: new DeadLetterService(store.log, store.catalog, registry),
    pipelines: new PipelineTester(registry),
  };
}
