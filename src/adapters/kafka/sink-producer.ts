import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Admin, Consumer, Message, MessageToProduce, Producer } from '@platformatic/kafka';
import { FindCoordinatorKeyTypes } from '@platformatic/kafka';
import type { SinkCluster, SinkInputProgress, SinkMessage, SinkProducer } from '../../ports/sink-producer.ts';
import { refusedAddress } from '../http/address-guard.ts';
import { createAdmin, createProducer, createTransactionalProducer, resolveKafkaOptions, SerialSender } from './client-options.ts';

interface ClusterClients {
  admin: Admin;
  producer: Producer;
  sender: SerialSender;
  partitions: Map<string, number>;
}

/**
 * Kafka sinks' clients: one idempotent acks=all producer per cluster, shared by every sink
 * writing there, sending one round at a time with everything queued meanwhile (a round
 * carries many sinks' batches, as the event log's writer does).
 */
export class KafkaSinkProducer implements SinkProducer {
  readonly #home: { brokers: string[]; topicPrefix: string } | undefined;
  readonly #allowPrivateNetworks: boolean;
  readonly #clients = new Map<string, ClusterClients>();
  /** Exactly-once sinks' transactional producers, one per input partition (by transactional id). */
  readonly #transactional = new Map<string, Producer>();
  readonly #coordinators = new Map<string, number>();
  #closed = false;

  constructor(options: { home?: { brokers: string[]; topicPrefix: string }; allowPrivateNetworks: boolean }) {
    this.#home = options.home;
    this.#allowPrivateNetworks = options.allowPrivateNetworks;
  }

  get hasHomeCluster(): boolean {
    return this.#home !== undefined;
  }

  async partitions(cluster: SinkCluster, topic: string, refresh = false): Promise<number> {
    const clients = this.#clientsOf(cluster);
    const cached = clients.partitions.get(topic);
    if (cached !== undefined && !refresh) return cached;
    let count = await this.#count(clients, topic);
    if (count === undefined) {
      try {
        // -1: the cluster's own num.partitions and default.replication.factor, as a producer's auto-creation would use.
        await clients.admin.createTopics({ topics: [topic], partitions: -1, replicas: -1 });
      } catch (error) {
        if ((await this.#count(clients, topic)) === undefined) throw error;
      }
      count = await this.#waitForLeaders(clients, topic);
    }
    clients.partitions.set(topic, count);
    return count;
  }

  async produce(cluster: SinkCluster, messages: readonly SinkMessage[], timeoutMs: number): Promise<void> {
    if (messages.length === 0) return;
    const clients = this.#clientsOf(cluster);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement from the cluster within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([clients.sender.send(messages.map(toMessage)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async prepareExactlyOnce(transactionalId: string): Promise<void> {
    const producer = this.#transactionalProducer(transactionalId);
    // The first transaction initialises the producer id, which fences an earlier producer of
    // this id and settles its open transaction; nothing is sent in it.
    try {
      const transaction = await producer.beginTransaction();
      await transaction.cancel();
    } catch (error) {
      await this.releaseExactlyOnce(transactionalId);
      throw error;
    }
  }

  async produceExactlyOnce(transactionalId: string, messages: readonly SinkMessage[], commit: SinkInputProgress, timeoutMs: number): Promise<void> {
    const home = this.#home;
    if (home === undefined) throw new Error('exactly-once sinks need Sluice to run on Kafka');
    const producer = this.#transactionalProducer(transactionalId);
    const groupId = `${home.topicPrefix}${commit.group}`;
    const run = async (): Promise<void> => {
      const coordinatorId = await this.#coordinator(groupId);
      const transaction = await producer.beginTransaction();
      try {
        if (messages.length > 0) await transaction.send({ messages: messages.map(toMessage) });
        // The client asks only for the group id of the consumer and the coordinates of the last
        // message consumed; Sluice's groups have no Kafka generation or member (-1, '').
        await transaction.addConsumer({ groupId } as unknown as Consumer);
        const consumed = {
          topic: `${home.topicPrefix}${commit.stream}`,
          partition: commit.partition,
          offset: BigInt(commit.offset - 1),
          metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
        };
        await transaction.addOffset(consumed as unknown as Message);
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => transaction.cancel());
        throw error;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the transaction did not complete within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([run(), timeout]);
    } catch (error) {
      // A producer whose transaction failed may be fenced or half-way: the next attempt starts afresh, fencing this one.
      this.#coordinators.delete(groupId);
      await this.releaseExactlyOnce(transactionalId);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async releaseExactlyOnce(transactionalId: string): Promise<void> {
    const producer = this.#transactional.get(transactionalId);
    this.#transactional.delete(transactionalId);
    await producer?.close(true).catch(() => undefined);
  }

  async refusal(brokers: readonly string[]): Promise<string | undefined> {
    if (this.#allowPrivateNetworks) return undefined;
    // Only the bootstrap addresses are checked: the brokers a cluster advertises come later, from the cluster itself.
    for (const broker of brokers) {
      const host = broker.slice(0, broker.lastIndexOf(':')).replace(/^\[|\]$/g, '');
      let addresses: string[];
      try {
        addresses = isIP(host) === 0 ? (await lookup(host, { all: true })).map((a) => a.address) : [host];
      } catch (error) {
        return `${broker}: ${(error as Error).message}`;
      }
      for (const address of addresses) {
        const refused = refusedAddress(address);
        if (refused !== undefined) return `${broker}: ${refused}`;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.allSettled([...this.#transactional.keys()].map((id) => this.releaseExactlyOnce(id)));
    await Promise.allSettled(
      all.map(async (c) => {
        await c.sender.idle();
        await c.producer.close();
        await c.admin.close();
      }),
    );
  }

  #clientsOf(cluster: SinkCluster): ClusterClients {
    if (this.#closed) throw new Error('the sink producer is closed');
    const brokers = cluster ?? this.#home?.brokers;
    if (brokers === undefined) throw new Error('Sluice runs on its embedded store: a Kafka sink must name its cluster (destination.brokers)');
    const id = brokers.join(',');
    let clients = this.#clients.get(id);
    if (clients === undefined) {
      const options = resolveKafkaOptions({ brokers: [...brokers], clientId: 'sluice-sink' });
      const producer = createProducer(options, 'producer');
      clients = { admin: createAdmin(options, 'admin'), producer, sender: new SerialSender(producer), partitions: new Map() };
      this.#clients.set(id, clients);
    }
    return clients;
  }

  #transactionalProducer(transactionalId: string): Producer {
    if (this.#closed) throw new Error('the sink producer is closed');
    const home = this.#home;
    if (home === undefined) throw new Error('exactly-once sinks need Sluice to run on Kafka');
    let producer = this.#transactional.get(transactionalId);
    if (producer === undefined) {
      producer = createTransactionalProducer(resolveKafkaOptions({ brokers: home.brokers, clientId: 'sluice-sink' }), 'tx', transactionalId);
      this.#transactional.set(transactionalId, producer);
    }
    return producer;
  }

  async #coordinator(groupId: string): Promise<number> {
    let nodeId = this.#coordinators.get(groupId);
    if (nodeId === undefined) {
      const [found] = await this.#clientsOf(undefined).admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] });
      if (found === undefined) throw new Error(`no coordinator for group ${groupId}`);
      nodeId = found.nodeId;
      this.#coordinators.set(groupId, nodeId);
    }
    return nodeId;
  }

  async #count(clients: ClusterClients, topic: string): Promise<number | undefined> {
    const topics = await clients.admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    const metadata = await clients.admin.metadata({ topics: [topic], forceUpdate: true });
    return metadata.topics.get(topic)?.partitionsCount;
  }

  async #waitForLeaders(clients: ClusterClients, topic: string): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const info = (await clients.admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic);
        if (info !== undefined && info.partitions.every((p) => p.leader >= 0)) return info.partitionsCount;
      } catch {
        // Not known to the broker we asked yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`topic ${topic} has no leaders after creation`);
  }
}

function toMessage(m: SinkMessage): MessageToProduce {
  const message: MessageToProduce = { topic: m.topic, partition: m.partition, value: m.value };
  if (m.key !== null) message.key = m.key;
  // The client writes header names as given: they must be bytes like the values.
  if (m.headers !== undefined) message.headers = new Map(Object.entries(m.headers).map(([name, value]) => [Buffer.from(name), value]));
  return message;
}
