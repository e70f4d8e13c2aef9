"""A user-login processor as it is usually written in Python, for the peer benchmark.

Consumes JSON logins from a topic with confluent-kafka, validates each against the JSON Schema
with jsonschema (formats checked, as Sluice checks them), renames `timestamp` to an ISO-8601
`created_at`, stamps `processed_at`, writes valid records to one topic and invalid ones (the
original fields plus the error) to another with an idempotent acks=all producer, and commits
the consumer's offsets after each batch once the batch is acknowledged.

Run by bench/scenarios/peer-python.ts: it prints {"ready": true} once its clients exist,
waits for a line on stdin, then processes until `expected` records are committed, prints
{"done": ..., "valid": ..., "invalid": ..., "elapsedMs": ...} and waits for stdin to close.
"""

import json
import sys
import time
from datetime import datetime, timezone

from confluent_kafka import Consumer, KafkaException, Producer
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

BATCH = 500


def iso(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def transform(login):
    login["created_at"] = iso(login.pop("timestamp"))
    login["processed_at"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return login


def main():
    settings = json.loads(sys.argv[1])
    with open(settings["schemaFile"], encoding="utf-8") as file:
        schema = json.load(file)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    consumer = Consumer(
        {
            "bootstrap.servers": settings["bootstrap"],
            "group.id": settings["group"],
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    producer = Producer({"bootstrap.servers": settings["bootstrap"], "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    failures = []

    def delivered(error, _message):
        if error is not None:
            failures.append(error)

    def produce(topic, value, key):
        while True:
            try:
                producer.produce(topic, value, key, on_delivery=delivered)
                return
            except BufferError:
                producer.poll(0.05)

    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    consumer.subscribe([settings["input"]])
    done = valid = invalid = 0
    while done < settings["expected"]:
        messages = consumer.consume(num_messages=BATCH, timeout=1.0)
        for message in messages:
            if message.error() is not None:
                raise KafkaException(message.error())
            try:
                login = json.loads(message.value())
                error = best_match(validator.iter_errors(login))
            except ValueError as problem:
                login, error = None, problem
            if error is None:
                produce(settings["valid"], json.dumps(transform(login)).encode(), message.key())
                valid += 1
            else:
                rejected = {"error": getattr(error, "message", str(error)), "record": message.value().decode("utf-8", "replace")}
                produce(settings["invalid"], json.dumps(rejected).encode(), message.key())
                invalid += 1
            producer.poll(0)
        if messages:
            if producer.flush(30) > 0 or failures:
                raise KafkaException(f"records not acknowledged: {failures[:3]}")
            consumer.commit(asynchronous=False)
            done += len(messages)
    elapsed_ms = (time.perf_counter() - started) * 1000
    consumer.close()
    print(json.dumps({"done": done, "valid": valid, "invalid": invalid, "elapsedMs": elapsed_ms}), flush=True)
    # The bench reads this process's CPU time and memory after the outputs are complete: stay until told.
    sys.stdin.readline()


if __name__ == "__main__":
    main()
