import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A user-login processor as a small Kafka Streams topology, for the peer benchmark: each JSON
 * login is validated against the JSON Schema (networknt json-schema-validator, formats
 * asserted, as Sluice asserts them); a valid one gets `timestamp` renamed to an ISO-8601
 * `created_at` and a `processed_at` stamp and goes to one topic, an invalid one goes to
 * another with the error. Run by bench/scenarios/peer-streams.ts: the single argument is a
 * JSON object (bootstrap, input, valid, invalid, group, schemaFile, stateDir); it prints
 * {"ready":true} once the topology is built, starts on a line from stdin, and closes when
 * stdin ends or on SIGTERM.
 */
public final class UserLoginProcessor {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** What happened to one record: the bytes to write and whether they go to the valid topic. */
  record Outcome(boolean valid, byte[] value) {}

  private UserLoginProcessor() {}

  static Outcome process(Schema schema, byte[] value) {
    JsonNode login;
    try {
      login = MAPPER.readTree(value);
    } catch (JacksonException problem) {
      return rejected("not JSON: " + problem.getOriginalMessage(), value);
    }
    List<Error> errors = schema.validate(login);
    if (!errors.isEmpty()) return rejected(errors.get(0).getMessage(), value);
    ObjectNode out = (ObjectNode) login;
    long seconds = out.remove("timestamp").asLong();
    out.put("created_at", ISO_MILLIS.format(Instant.ofEpochSecond(seconds)));
    out.put("processed_at", ISO_MILLIS.format(Instant.now()));
    return new Outcome(true, MAPPER.writeValueAsBytes(out));
  }

  private static Outcome rejected(String error, byte[] value) {
    ObjectNode out = MAPPER.createObjectNode();
    out.put("error", error);
    out.put("record", new String(value, StandardCharsets.UTF_8));
    return new Outcome(false, MAPPER.writeValueAsBytes(out));
  }

  public static void main(String[] args) throws Exception {
    JsonNode settings = MAPPER.readTree(args[0]);
    SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build();
    Schema schema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder.schemaRegistryConfig(config))
            .getSchema(Files.readString(Path.of(settings.get("schemaFile").asString())));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(settings.get("input").asString(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .mapValues(value -> process(schema, value))
        .split()
        .branch((key, outcome) -> outcome.valid(), Branched.withConsumer(valid -> valid.mapValues(Outcome::value).to(settings.get("valid").asString(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()))))
        .defaultBranch(Branched.withConsumer(invalid -> invalid.mapValues(Outcome::value).to(settings.get("invalid").asString(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()))));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.get("group").asString());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.get("bootstrap").asString());
    props.put(StreamsConfig.STATE_DIR_CONFIG, settings.get("stateDir").asString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    // The same delivery guarantee as Sluice's and the Python loop's producers.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10))));
    System.out.println("{\"ready\":true}");
    System.out.flush();
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (stdin.readLine() == null) return;
    streams.start();
    stdin.readLine();
    streams.close(Duration.ofSeconds(10));
  }
}
