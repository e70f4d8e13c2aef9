import { test } from 'node:test';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { kafkaBootstrap, kafkaPort, kafkaSkipMessage } from '../../helpers/kafka.ts';
import { dedupWindowContract } from '../contracts/dedup-window.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('dedup window: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  const brokers = kafkaBootstrap.split(',');
  dedupWindowContract('kafka', (t, dedupWindow) => kafkaPort(brokers, (options) => Promise.resolve(new KafkaEventLog({ ...options, dedupWindow })))(t));
}
