package dev.minibatch.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.minibatch.Attachment;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.kafka.KafkaBroker;
import dev.minibatch.kafka.KafkaSink;
import dev.minibatch.kafka.KafkaSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.bson.Document;

/**
 * The MongoDB and Kafka figures of {@link EndToEnd}, each against the raw driver on the same
 * server in the same run: a MongoDB wire server in this JVM (mongo-java-server: no real mongod can
 * be installed here, so these figures say how much minibatch adds, not how fast MongoDB is) and a
 * real Kafka broker (KRaft) in a child JVM.
 */
final class BackendBenchmarks {

    private BackendBenchmarks() {
    }

    static void mongo(int appendCount, int consumeCount, Consumer<Result> record) throws Exception {
        MongoServer server = new MongoServer(new MemoryBackend());
        String base = server.bindAndGetConnectionString();
        try (MongoClient client = MongoClients.create(base)) {
            rawInsert(client.getDatabase("warm").getCollection("buffer"), Math.max(1000, appendCount / 10)); // JIT warm-up
            double rawRate = rawInsert(client.getDatabase("raw").getCollection("buffer"), appendCount);
            record.accept(new Result("limit", "raw mongodb-driver insertMany(1000), same document shape", "mongodb",
                    rawRate, "msg/s", null, null, null));
            try (Minibatch mb = Minibatch.builder().url(base + "/ours").shutdownHook(false).build()) {
                double rate = EndToEnd.appendBatched(mb.stream("bench"), appendCount, 1000);
                record.accept(new Result("append", "appendAll, batches of 1000", "mongodb", rate, "msg/s", rawRate,
                        "raw mongodb-driver insertMany(1000)", null));
                double single = EndToEnd.appendSingle(mb.stream("single"), Math.max(100, appendCount / 20));
                record.accept(new Result("append", "append, one message per call", "mongodb", single, "msg/s", rawRate,
                        "raw mongodb-driver insertMany(1000)", null));
            }
            try (Minibatch mb = Minibatch.builder().url(base + "/consume").shutdownHook(false).build()) {
                double rate = EndToEnd.consumeRate(mb, Math.max(1000, consumeCount - consumeCount % 1000), 1000, 1, false);
                record.accept(new Result("consume", "CountWindow(1000), keep=false, workers=1 (wire server)", "mongodb",
                        rate, "msg/s", null, null, null));
            }
        } finally {
            server.shutdownNow();
        }
    }

    private static double rawInsert(MongoCollection<Document> raw, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i += 1000) {
            List<Document> docs = new ArrayList<>(1000);
            for (int j = i; j < Math.min(count, i + 1000); j++) {
                docs.add(new Document("stream", "raw").append("data", Document.parse(Payloads.readingJson(j)))
                        .append("processed", false).append("created", new Date()));
            }
            raw.insertMany(docs);
        }
        return count / RawSqlite.seconds(start);
    }

    static void kafka(Path dir, int count, Consumer<Result> record) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir)) {
            String servers = broker.bootstrapServers();
            broker.createTopic("in", 1);
            broker.createTopic("out-raw", 1);
            broker.createTopic("out-warm", 1);
            broker.createTopic("out-ours", 1);
            produce(servers, "in", count);

            rawConsumeProduce(servers, "bench-warm", "out-warm", Math.max(1000, count / 4)); // JIT warm-up
            double rawRate = rawConsumeProduce(servers, "bench-raw", "out-raw", count);
            record.accept(new Result("limit", "raw kafka-clients loop: poll, send each, flush, commitSync", "kafka",
                    rawRate, "msg/s", null, null, null));

            try (Minibatch mb = Minibatch.builder().url("memory:").shutdownHook(false).build()) {
                KafkaSink sink = new KafkaSink("out-ours", servers);
                long start = System.nanoTime();
                ConsumerHandle consumer = mb.streaming("kafka-bench").size(1000).sink(sink).start(window -> { });
                Attachment source = mb.stream("kafka-bench").attach(new KafkaSource("in", servers,
                        Map.of("group.id", "bench-ours")));
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                while (consumer.stats().messages() < count - count % 1000 && System.nanoTime() < deadline) {
                    if (source.failure() != null) {
                        throw new IllegalStateException("Kafka source failed", source.failure());
                    }
                    Thread.sleep(2);
                }
                double rate = consumer.stats().messages() / RawSqlite.seconds(start);
                source.stop();
                consumer.stop();
                sink.close();
                record.accept(new Result("kafka", "KafkaSource → stream (memory) → CountWindow(1000) → KafkaSink", "kafka",
                        rate, "msg/s", rawRate, "raw kafka-clients consume→produce loop", ">= 50% of raw"));
            }
        }
    }

    private static Map<String, Object> producerConfig(String servers) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5);
    }

    private static void produce(String servers, String topic, int count) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(servers), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, Payloads.readingJson(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /** What a hand-written at-least-once pipe does: poll, send each record, flush, commit. */
    private static double rawConsumeProduce(String servers, String group, String out, int count) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long start = System.nanoTime();
        int moved = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(servers), new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            consumer.subscribe(List.of("in"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (moved < count && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    producer.send(new ProducerRecord<>(out, r.value()));
                    moved++;
                }
                producer.flush();
                consumer.commitSync();
            }
        }
        return moved / RawSqlite.seconds(start);
    }
}
