import { test } from 'node:test';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { kafkaBootstrap, kafkaPort, kafkaSkipMessage } from '../../helpers/kafka.ts';
import { eventLogContract } from '../contracts/event-log.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('EventLog contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  eventLogContract(
    'kafka',
    kafkaPort(kafkaBootstrap.split(','), (options) => Promise.resolve(new KafkaEventLog(options))),
  );
}
