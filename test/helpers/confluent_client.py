#!/usr/bin/env python3
"""A command line over the stock Confluent Python client (PyPI confluent-kafka, librdkafka),
for Sluice's tests: JSON lines in, JSON lines out.

Run it with the python of the venv that scripts/python-clients.sh makes:

  produce --bootstrap B --topic T --format avro|json-schema|protobuf|json|raw
          [--registry URL --registry-auth user:pass] [--schema-file F] [--message NAME]
          [--create-topic [--partitions N]] --input FILE
      Each input line is {"key": <string|null>, "value": <object>, "headers": {name: string}?}.
      avro / json-schema / protobuf use the registry serializers of confluent_kafka with
      their DEFAULT settings (auto.register.schemas, TopicNameStrategy: subject
      "<topic>-value") and the schema text of --schema-file (protobuf: a .proto file compiled
      with grpcio-tools' protoc, message --message or the file's first). json writes
      json.dumps(value); raw writes base64-decoded value. Keys are UTF-8 bytes. An idempotent
      Producer; prints {"produced": n} once all are acknowledged.

  consume --bootstrap B --topic T --format avro|json-schema|protobuf|json|raw
          [--registry URL --registry-auth user:pass] --count N --timeout SECONDS
          [--isolation read_committed|read_uncommitted] [--group G]
          [--schema-file F --message NAME]   (protobuf only)
      Reads from the earliest offset with a fresh group (unless --group) and prints one line
      per message: {"topic", "partition", "offset", "key", "value", "headers"}, then
      {"done": true, "count": k} after N messages or at the timeout (exit 0 either way).
      avro: AvroDeserializer without a reader schema (the writer schema is fetched by the id
      in the wire-format header); json-schema: JSONDeserializer given the latest schema of
      subject "<topic>-value"; protobuf: ProtobufDeserializer of the compiled --message type;
      json: json.loads; raw: base64 of the bytes.

--registry takes an http(s) URL, or mock://NAME for the client's in-process mock registry.
Any error prints {"error": "..."} on stdout and exits 1.
"""

import argparse
import base64
import datetime
import decimal
import importlib.util
import json
import os
import sys
import tempfile
import time
import uuid

FORMATS = ('avro', 'json-schema', 'protobuf', 'json', 'raw')


class CliError(Exception):
    pass


def emit(obj):
    sys.stdout.write(json.dumps(obj, default=jsonable_default) + '\n')
    sys.stdout.flush()


def jsonable_default(value):
    """What json.dumps cannot write itself (values Avro/Protobuf decoders return)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode('ascii')
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return str(value.total_seconds())
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def registry_client(args):
    if not args.registry:
        raise CliError(f'--format {args.format} needs --registry')
    from confluent_kafka.schema_registry import SchemaRegistryClient

    conf = {'url': args.registry}
    if args.registry_auth:
        if ':' not in args.registry_auth:
            raise CliError('--registry-auth takes user:pass')
        conf['basic.auth.user.info'] = args.registry_auth
    # The stock factory: an http(s) URL is a real registry; mock://NAME an in-process mock.
    return SchemaRegistryClient.new_client(conf)


def read_text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def protobuf_message_class(args):
    """Compiles --schema-file with protoc (grpcio-tools) and answers the message class."""
    if not args.schema_file:
        raise CliError('--format protobuf needs --schema-file (a .proto file)')
    from grpc_tools import protoc
    import grpc_tools

    source = os.path.abspath(args.schema_file)
    include = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
    name = os.path.basename(source)
    module_name = os.path.splitext(name)[0].replace('-', '_').replace('.', '_') + '_pb2'
    # The generated module is only read while it is imported; the directory goes with it.
    with tempfile.TemporaryDirectory(prefix='sluice-proto-') as out_dir:
        code = protoc.main(['protoc', f'-I{os.path.dirname(source)}', f'-I{include}', f'--python_out={out_dir}', name])
        if code != 0:
            raise CliError(f'protoc could not compile {args.schema_file} (exit {code})')
        spec = importlib.util.spec_from_file_location(module_name, os.path.join(out_dir, module_name + '.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    messages = module.DESCRIPTOR.message_types_by_name
    if not messages:
        raise CliError(f'{args.schema_file} declares no message')
    wanted = args.message or next(iter(messages))
    if wanted not in messages:
        raise CliError(f'{args.schema_file} has no message {wanted} (it has {", ".join(messages)})')
    return getattr(module, wanted)


def value_serializer(args):
    """A function (value, ctx) -> bytes for --format."""
    fmt = args.format
    if fmt == 'json':
        return lambda value, ctx: None if value is None else json.dumps(value).encode('utf-8')
    if fmt == 'raw':
        return lambda value, ctx: None if value is None else base64.b64decode(value)
    registry = registry_client(args)
    if fmt == 'protobuf':
        from google.protobuf import json_format
        from confluent_kafka.schema_registry.protobuf import ProtobufSerializer

        message_class = protobuf_message_class(args)
        serializer = ProtobufSerializer(message_class, registry)
        return lambda value, ctx: None if value is None else serializer(json_format.ParseDict(value, message_class()), ctx)
    if not args.schema_file:
        raise CliError(f'--format {fmt} needs --schema-file')
    schema = read_text(args.schema_file)
    if fmt == 'avro':
        from confluent_kafka.schema_registry.avro import AvroSerializer

        return AvroSerializer(registry, schema)
    from confluent_kafka.schema_registry.json_schema import JSONSerializer

    return JSONSerializer(schema, registry)


def value_deserializer(args):
    """A function (bytes, ctx) -> a JSON-able value for --format."""
    fmt = args.format
    if fmt == 'json':
        return lambda data, ctx: None if data is None else json.loads(data)
    if fmt == 'raw':
        return lambda data, ctx: None if data is None else base64.b64encode(data).decode('ascii')
    if fmt == 'protobuf':
        # Generated classes are how the stock client decodes Protobuf; given the class it
        # needs no registry (with one it would fetch the writer schema as a serialized
        # FileDescriptorProto, ?format=serialized).
        from google.protobuf import json_format
        from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer

        deserializer = ProtobufDeserializer(protobuf_message_class(args), {'use.deprecated.format': False})

        def decode(data, ctx):
            message = deserializer(data, ctx)
            return None if message is None else json_format.MessageToDict(message, preserving_proto_field_name=True)

        return decode
    registry = registry_client(args)
    if fmt == 'avro':
        from confluent_kafka.schema_registry.avro import AvroDeserializer

        return AvroDeserializer(registry)
    from confluent_kafka.schema_registry.json_schema import JSONDeserializer

    latest = registry.get_latest_version(f'{args.topic}-value')
    return JSONDeserializer(latest.schema.schema_str, schema_registry_client=registry)


def create_topic(args):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({'bootstrap.servers': args.bootstrap})
    futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=-1)], operation_timeout=30, request_timeout=30)
    try:
        futures[args.topic].result(timeout=60)
    except KafkaException as error:
        if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise


def produce(args):
    from confluent_kafka import Producer
    from confluent_kafka.serialization import MessageField, SerializationContext

    if not args.input:
        raise CliError('produce needs --input FILE')
    records = []
    with open(args.input, encoding='utf-8') as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise CliError(f'{args.input}:{number}: not JSON: {error}') from error
            if not isinstance(record, dict) or 'value' not in record:
                raise CliError(f'{args.input}:{number}: expected {{"key": ..., "value": ...}}')
            records.append(record)
    if args.create_topic:
        create_topic(args)

    serialize = value_serializer(args)
    producer = Producer({
        'bootstrap.servers': args.bootstrap,
        'enable.idempotence': True,
        'message.timeout.ms': int(args.timeout * 1000),
        'client.id': 'sluice-test-stock-python',
    })
    failures = []
    delivered = []

    def on_delivery(error, message):
        if error is not None:
            failures.append(str(error))
        else:
            delivered.append(message.offset())

    for record in records:
        key = record.get('key')
        ctx = SerializationContext(args.topic, MessageField.VALUE)
        value = serialize(record['value'], ctx)
        headers = [(name, None if v is None else str(v).encode('utf-8')) for name, v in (record.get('headers') or {}).items()]
        while True:
            try:
                producer.produce(args.topic, value=value, key=None if key is None else str(key).encode('utf-8'), headers=headers or None, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(args.timeout)
    if remaining > 0:
        raise CliError(f'{remaining} message(s) not acknowledged within {args.timeout}s')
    if failures:
        raise CliError(f'{len(failures)} message(s) failed: {failures[0]}')
    emit({'produced': len(delivered)})


def consume(args):
    from confluent_kafka import Consumer, KafkaError, KafkaException
    from confluent_kafka.serialization import MessageField, SerializationContext

    if args.count is None:
        raise CliError('consume needs --count N')
    deadline = time.monotonic() + args.timeout
    decode = value_deserializer(args)
    consumer = Consumer({
        'bootstrap.servers': args.bootstrap,
        'group.id': args.group or f'sluice-test-stock-{uuid.uuid4().hex[:12]}',
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
        'isolation.level': args.isolation,
        'client.id': 'sluice-test-stock-python',
        'session.timeout.ms': 10000,
    })
    count = 0
    try:
        consumer.subscribe([args.topic])
        while count < args.count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            message = consumer.poll(min(left, 0.5))
            if message is None:
                continue
            error = message.error()
            if error is not None:
                # A topic that does not exist yet is not fatal: wait for it until the timeout.
                if error.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                if error.fatal() or not error.retriable():
                    raise KafkaException(error)
                continue
            ctx = SerializationContext(message.topic(), MessageField.VALUE, message.headers())
            key = message.key()
            headers = {}
            for name, value in message.headers() or []:
                headers[name] = None if value is None else value.decode('utf-8', errors='replace')
            emit({
                'topic': message.topic(),
                'partition': message.partition(),
                'offset': message.offset(),
                'key': None if key is None else key.decode('utf-8', errors='replace'),
                'value': decode(message.value(), ctx),
                'headers': headers,
            })
            count += 1
    finally:
        consumer.close()
    emit({'done': True, 'count': count})


def parse_args(argv):
    parser = argparse.ArgumentParser(description='The stock Confluent Python client, JSON lines in and out.')
    commands = parser.add_subparsers(dest='command', required=True)
    for name in ('produce', 'consume'):
        sub = commands.add_parser(name)
        sub.add_argument('--bootstrap', required=True)
        sub.add_argument('--topic', required=True)
        sub.add_argument('--format', required=True, choices=FORMATS)
        sub.add_argument('--registry')
        sub.add_argument('--registry-auth')
        sub.add_argument('--schema-file')
        sub.add_argument('--message', help='protobuf: the message type (default: the first in the file)')
        if name == 'produce':
            sub.add_argument('--input')
            sub.add_argument('--create-topic', action='store_true', help='create the topic first (brokers with auto-create off)')
            sub.add_argument('--partitions', type=int, default=1)
            sub.add_argument('--timeout', type=float, default=30, help='seconds to wait for acknowledgements')
        else:
            sub.add_argument('--count', type=int)
            sub.add_argument('--timeout', type=float, default=20)
            sub.add_argument('--isolation', choices=('read_committed', 'read_uncommitted'), default='read_committed')
            sub.add_argument('--group')
    return parser.parse_args(argv)


def main(argv):
    try:
        args = parse_args(argv)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            emit({'error': 'bad arguments (see --help)'})
            return 1
        return 0
    try:
        (produce if args.command == 'produce' else consume)(args)
        return 0
    except Exception as error:  # noqa: BLE001 - every failure becomes one JSON line
        message = str(error) or type(error).__name__
        emit({'error': f'{type(error).__name__}: {message}'})
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
