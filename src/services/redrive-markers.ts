import type { RedriveDoc } from '../domain/catalog-docs.ts';
import { redriveStream } from '../domain/names.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';

const scanBatch = 1000;

/**
 * Which dead letters were redriven, and where to. Each redrive appends one small record to
 * the tenant's `_redriven` stream; a process reads a tenant's stream when it first lists or
 * redrives that tenant's dead letters, and afterwards only what was added since. The catalog,
 * which every process holds whole in memory, keeps none of this; markers that earlier
 * releases wrote there are still honoured.
 */
export class RedriveMarkers {
  readonly #log: EventLog;
  readonly #catalog: Catalog;
  readonly #tenants = new Map<string, { scanned: number; byOffset: Map<number, RedriveDoc> }>();

  constructor(log: EventLog, catalog: Catalog) {
    this.#log = log;
    this.#catalog = catalog;
  }

  /** Reads the markers other processes (or earlier runs) added; call before `get`. */
  async refresh(tenant: string): Promise<void> {
    const stream = redriveStream(tenant);
    const known = this.#tenants.get(tenant) ?? { scanned: 0, byOffset: new Map<number, RedriveDoc>() };
    this.#tenants.set(tenant, known);
    const end = (await this.#log.describeStream(stream))?.endOffsets[0] ?? 0;
    while (known.scanned < end) {
      const records = await this.#log.read(stream, 0, known.scanned, scanBatch);
      if (records.length === 0) break;
      for (const record of records) {
        const marker = JSON.parse(record.value) as RedriveDoc;
        if (!known.byOffset.has(marker.deadLetterOffset)) known.byOffset.set(marker.deadLetterOffset, marker);
      }
      known.scanned = records.at(-1)!.offset + 1;
    }
  }

  get(tenant: string, deadLetterOffset: number): RedriveDoc | undefined {
    return this.#tenants.get(tenant)?.byOffset.get(deadLetterOffset) ?? this.#catalog.get('redrive', `${tenant}/${deadLetterOffset}`)?.value;
  }

  /**
   * Records a redrive. The record's id is the dead letter's offset, so of two processes
   * redriving one dead letter at once only the first marker is kept.
   */
  async add(marker: RedriveDoc): Promise<void> {
    const stream = redriveStream(marker.tenant);
    await this.#log.createStream(stream, 1);
    const at = Date.parse(marker.at);
    await this.#log.append([
      {
        stream,
        partition: 0,
        id: String(marker.deadLetterOffset),
        unique: true,
        key: null,
        timestamp: at,
        attributes: { type: 'sluice.redriven', source: 'sluice/redrive', time: marker.at },
        value: JSON.stringify(marker),
      },
    ]);
    const known = this.#tenants.get(marker.tenant);
    if (known !== undefined && !known.byOffset.has(marker.deadLetterOffset)) known.byOffset.set(marker.deadLetterOffset, marker);
  }
}
