package dev.minibatch.bench;

import dev.minibatch.Minibatch;
import dev.minibatch.kafka.KafkaCluster;
import dev.minibatch.model.ConsumerHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A word-count app of one contender of {@link KafkaStreamsWordCount}, on topics of its own: Kafka
 * Streams ({@link StreamsApp}) or minibatch on {@code kafka://} ({@link MinibatchApp}).
 */
interface WordCountApp extends AutoCloseable {

        /** The input topic (exists once the app was made). */
        String linesTopic();

        /** The table's changelog topic (may exist only once started). */
        String changelogTopic();

        /** A changelog record's value as a count. */
        long count(byte[] value);

        void start();

        /** The app's failure, or null. */
        Throwable failure();

        @Override
        void close() throws Exception;

    /** lines → flatMapValues → groupBy(word) → count(Materialized.as("counts")), exactly_once_v2. */
    final class StreamsApp implements WordCountApp {
        final String appId;
        final String lines;
        final Path stateDir;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        KafkaStreams streams;

        final String servers;

        StreamsApp(String id, Path dir, KafkaCluster cluster, String servers) throws Exception {
            this.servers = servers;
            appId = "ks-wordcount-" + id;
            lines = "ks.lines-" + id;
            stateDir = Files.createDirectories(dir.resolve("ks-state-" + id));
            cluster.createTopic(lines, KafkaStreamsWordCount.PARTITIONS);
        }

        @Override
        public String linesTopic() {
            return lines;
        }

        @Override
        public String changelogTopic() {
            return appId + "-counts-changelog";
        }

        @Override
        public long count(byte[] value) {
            return ByteBuffer.wrap(value).getLong();
        }

        @Override
        public void start() {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(lines, Consumed.with(Serdes.String(), Serdes.String()))
                    .flatMapValues(line -> Arrays.asList(line.split(" ")))
                    .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
                    .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts")
                            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            streams = new KafkaStreams(builder.build(), p);
            streams.setUncaughtExceptionHandler(e -> {
                failure.compareAndSet(null, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
        }

        @Override
        public Throwable failure() {
            if (failure.get() == null && streams != null && streams.state() == KafkaStreams.State.ERROR) {
                return new IllegalStateException("Kafka Streams in state ERROR");
            }
            return failure.get();
        }

        @Override
        public void close() throws Exception {
            if (streams != null) {
                if (!streams.close(Duration.ofSeconds(60))) {
                    System.out.println("  WARNING: Kafka Streams " + appId + " did not close within 60 s");
                }
                streams.cleanUp();
            }
            WordCountSupport.deleteRecursively(stateDir);
        }
    }

    /** lines → stage(flatMap, keyBy, map(1)) → words → keyed interval windows → reduce into the table counts. */
    final class MinibatchApp implements WordCountApp {
        final String lines;
        final String words;
        final String table;
        final Minibatch mb;
        final List<ConsumerHandle> handles = new ArrayList<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        final int stageBatch;
        final int workers;
        final int intervalMs;
        /** How many times each consumer is started: each start is a member of its group (as a Kafka Streams thread is). */
        final int members;

        MinibatchApp(String id, String url, int stageBatch, int workers, int intervalMs, int members) {
            this.stageBatch = stageBatch;
            this.workers = workers;
            this.intervalMs = intervalMs;
            lines = "lines-" + id;
            words = "words-" + id;
            table = "counts-" + id;
            mb = Minibatch.builder().url(url).shutdownHook(false).build();
            this.members = members;
            mb.stream(lines); // creates the topic (the store's layout)
        }

        @Override
        public String linesTopic() {
            return KafkaStreamsWordCount.PREFIX + lines;
        }

        @Override
        public String changelogTopic() {
            return KafkaStreamsWordCount.PREFIX + "__table." + table;
        }

        @Override
        public long count(byte[] value) {
            return Long.parseLong(new String(value, StandardCharsets.UTF_8).trim());
        }

        @Override
        public void start() {
            try {
                for (int i = 0; i < members; i++) {
                    startConsumers();
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                throw e;
            }
        }

        private void startConsumers() {
            handles.add(mb.stage(lines)
                    .flatMap(line -> List.of(line.asText().split(" ")))
                    .keyBy(word -> word.asText())
                    .map(word -> 1)
                    .batch(stageBatch).workers(workers)
                    .to(words).start());
            handles.add(mb.streaming(words).keyBy().interval(Duration.ofMillis(intervalMs)).workers(workers)
                    .reduce(table, Long.class, Long::sum).start());
        }

        @Override
        public Throwable failure() {
            if (failure.get() != null) {
                return failure.get();
            }
            for (ConsumerHandle h : handles) {
                if (h.failure() != null) {
                    return h.failure();
                }
            }
            return null;
        }

        /**
         * The same counts through minibatch's query API ({@code mb.table(name).size()} and {@code get} of the
         * ten most frequent words), beside the changelog: empty if they agree, else what differs.
         */
        String queryCheck(Map<String, Long> expected) {
            dev.minibatch.table.Table t = mb.table(table);
            List<String> wrong = new ArrayList<>();
            long size = t.size();
            if (size != expected.size()) {
                wrong.add("size() " + size + ", expected " + expected.size());
            }
            expected.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10).forEach(e -> {
                Long got = t.get(e.getKey(), Long.class).orElse(null);
                if (!e.getValue().equals(got)) {
                    wrong.add("get(" + e.getKey() + ") " + got + ", expected " + e.getValue());
                }
            });
            return String.join("; ", wrong);
        }

        String stats() {
            StringBuilder b = new StringBuilder();
            for (ConsumerHandle h : handles) {
                b.append(h.stream()).append(": ").append(h.stats()).append("; ");
            }
            return b.toString();
        }

        @Override
        public void close() {
            handles.forEach(ConsumerHandle::stop);
            mb.close();
        }
    }
}
