import { SluiceError } from '../../domain/errors.ts';
import type { Services } from '../../services/index.ts';
import { ConfigError } from './config-error.ts';
import type { Declarations } from './declarations.ts';

export interface AppliedDeclarations {
  tenantsCreated: string[];
  typesChanged: string[];
  pipelinesChanged: string[];
  /** `<tenant>/<name>` of each source created or changed. */
  sourcesChanged: string[];
  /** `<tenant>/<name>` of each subscription created or changed. */
  subscriptionsChanged: string[];
  correlationsChanged: string[];
}

/**
 * Makes the store match what sluice.yaml declares, idempotently: a second run changes
 * nothing. Types are registered first and pipelines second, so a route may name any type
 * the file declares; subscriptions come last, once their types exist. A mistake stops start-up with the file, the key and the fix.
 */
export async function applyDeclarations(services: Services, declarations: Declarations): Promise<AppliedDeclarations> {
  const applied: AppliedDeclarations = {
    tenantsCreated: [],
    typesChanged: [],
    pipelinesChanged: [],
    sourcesChanged: [],
    subscriptionsChanged: [],
    correlationsChanged: [],
  };
  const fail = (key: string, error: unknown): never => {
    if (!(error instanceof SluiceError)) throw error;
    const details = error.details?.map((detail) => `${detail.path || '(root)'}: ${detail.reason}`).join('; ');
    throw new ConfigError(`config file ${declarations.file}: ${key}: ${error.message}${details === undefined ? '' : ` (${details})`}. ${error.toBody().fix}`);
  };
  for (const tenant of declarations.tenants) {
    if (!services.tenants.listTenants().some((existing) => existing.id === tenant.id)) {
      await services.tenants.createTenant(tenant.id, tenant.name).catch((error: unknown) => fail(`tenants.${tenant.id}`, error));
      applied.tenantsCreated.push(tenant.id);
    }
    for (const [name, type] of tenant.types) {
      const definition: Parameters<typeof services.registry.putType>[2] = { schema: type.schema };
      if (type.schemaType !== undefined) definition.schemaType = type.schemaType;
      if (type.partitions !== undefined) definition.partitions = type.partitions;
      if (type.partitionKey !== undefined) definition.partitionKey = type.partitionKey;
      const result = await services.registry.putType(tenant.id, name, definition).catch((error: unknown) => fail(`tenants.${tenant.id}.types.${name}`, error));
      if (result.changed) applied.typesChanged.push(`${tenant.id}.${name}`);
    }
  }
  for (const tenant of declarations.tenants) {
    for (const [name, type] of tenant.types) {
      const changed = await services.registry
        .setPipeline(tenant.id, name, type.pipeline ?? {})
        .catch((error: unknown) => fail(`tenants.${tenant.id}.types.${name}.pipeline`, error));
      if (changed) applied.pipelinesChanged.push(`${tenant.id}.${name}`);
    }
  }
  for (const [index, source] of (declarations.sources ?? []).entries()) {
    const result = await services.sources.put(source.tenant, source.name, source.definition).catch((error: unknown) => fail(`sources[${index}]`, error));
    if (result.changed) applied.sourcesChanged.push(`${source.tenant}/${source.name}`);
  }
  // Last: a subscription names types, which must exist by now.
  for (const tenant of declarations.tenants) {
    for (const [name, subscription] of tenant.subscriptions) {
      const result = await services.subscriptions
        .put(tenant.id, name, subscription.definition)
        .catch((error: unknown) => fail(`tenants.${tenant.id}.subscriptions.${name}`, error));
      if (result.changed) applied.subscriptionsChanged.push(`${tenant.id}/${name}`);
    }
    for (const [name, definition] of tenant.correlations) {
      const result = await services.correlations
        .put(tenant.id, name, definition)
        .catch((error: unknown) => fail(`tenants.${tenant.id}.correlations.${name}`, error));
      if (result.changed) applied.correlationsChanged.push(`${tenant.id}/${name}`);
    }
  }
  return applied;
}
