import { test } from 'node:test';
import { KafkaStateStore } from '../../../src/adapters/kafka/state-store.ts';
import { kafkaBootstrap, kafkaPort, kafkaSkipMessage } from '../../helpers/kafka.ts';
import { stateStoreContract } from '../contracts/state-store.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('StateStore contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  stateStoreContract('kafka', kafkaPort(kafkaBootstrap.split(','), (options) => Promise.resolve(new KafkaStateStore(options))));
}
