package dev.minibatch.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.Minibatch;
import dev.minibatch.Stream;
import dev.minibatch.model.StreamStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipelines across processes on SQLite: competing stage JVMs (one killed -9), keyed consumers in three JVMs. */
class PipelineProcessesTest {

    private static final String[] VOCABULARY = {"stream", "window", "key", "stage", "minibatch", "sqlite", "java",
            "python", "sensor", "count", "lease", "commit", "merge", "filter", "map"};

    @TempDir
    Path dir;

    private static boolean drained(Stream s) {
        StreamStats st = s.stats();
        return st.pending() == 0 && st.claimed() == 0;
    }

    @Test
    void wordCountWithTwoCompetingStageJvmsOneKilledLosesNoWord() throws Exception {
        String url = "sqlite:" + dir.resolve("words.db");
        Random random = new Random(15);
        List<String> lines = new ArrayList<>();
        Map<String, Long> batchCount = new TreeMap<>();
        for (int i = 0; i < 1500; i++) {
            StringBuilder line = new StringBuilder();
            int n = 1 + random.nextInt(8);
            for (int w = 0; w < n; w++) {
                String word = VOCABULARY[random.nextInt(VOCABULARY.length)];
                batchCount.merge(word, 1L, Long::sum);
                line.append(w == 0 ? "" : random.nextBoolean() ? " " : ", ").append(random.nextBoolean() ? word : word.toUpperCase());
            }
            lines.add(line.append('.').toString());
        }
        long totalWords = batchCount.values().stream().mapToLong(Long::longValue).sum();
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            Stream in = mb.stream("lines");
            in.appendAll(lines);
            ConcurrentHashMap<String, Long> totals = new ConcurrentHashMap<>();
            AtomicLong summed = new AtomicLong();
            List<String> mixed = new java.util.concurrent.CopyOnWriteArrayList<>();
            ConsumerHandle counter = mb.streaming("words").interval(Duration.ofMillis(300)).relaxed(false).keyBy()
                    .start(window -> {
                        for (var v : window.data()) {
                            if (!v.asText().equals(window.key())) {
                                mixed.add(window.key() + " holds " + v);
                            }
                        }
                        totals.merge(window.key(), (long) window.size(), Long::sum);
                        summed.addAndGet(window.size());
                    });
            try (JvmProcess a = JvmProcess.start(WordStageMain.class, List.of(url, "lines", "words", "1500", "2"),
                    dir.resolve("stage-a.log"));
                 JvmProcess b = JvmProcess.start(WordStageMain.class, List.of(url, "lines", "words", "1500", "2"),
                         dir.resolve("stage-b.log"))) {
                a.awaitOutput("STAGE READY", Duration.ofSeconds(60));
                b.awaitOutput("STAGE READY", Duration.ofSeconds(60));
                Stream words = mb.stream("words");
                a.awaitCondition("some words out", Duration.ofSeconds(60), () -> summed.get() + words.stats().pending() > 500);
                assertTrue(in.stats().pending() > 0, "the kill must land mid-run; lines left: " + in.stats());
                a.kill(); // -9, with windows in flight
                b.awaitCondition("every line split and every word counted", Duration.ofSeconds(120),
                        () -> drained(in) && drained(words) && summed.get() >= totalWords);
                Thread.sleep(500); // a late duplicate would show up here
            } finally {
                counter.stop();
            }
            assertEquals(List.of(), mixed, "a keyed window holds one word only");
            assertEquals(batchCount, new TreeMap<>(totals), "the streamed word count equals the batch count");
            assertEquals(totalWords, summed.get());
            assertTrue(in.deadLetters().buffer().isEmpty());
        }
    }

    @Test
    void perSensorCountWindowsAcrossThreeConsumerJvms() throws Exception {
        String url = "sqlite:" + dir.resolve("sensors.db");
        int sensors = 50;
        int perSensor = 40;
        Path[] records = new Path[3];
        try (Minibatch mb = Minibatch.builder().url(url).shutdownHook(false).build()) {
            Stream readings = mb.stream("readings");
            List<JvmProcess> consumers = new ArrayList<>();
            try {
                for (int c = 0; c < 3; c++) {
                    records[c] = dir.resolve("windows-" + c + ".txt");
                    consumers.add(JvmProcess.start(KeyedRecordingConsumerMain.class,
                            List.of(url, "readings", "10", records[c].toString()), dir.resolve("consumer-" + c + ".log")));
                }
                for (JvmProcess p : consumers) {
                    p.awaitOutput("CONSUMER READY", Duration.ofSeconds(60));
                }
                int n = 0;
                for (int round = 0; round < perSensor; round++) {
                    for (int s = 0; s < sensors; s++) {
                        readings.append("sensor-" + s, Map.of("sensor", "sensor-" + s, "n", n++));
                    }
                }
                consumers.get(0).awaitCondition("every reading consumed", Duration.ofSeconds(120), () -> drained(readings));
            } finally {
                for (JvmProcess p : consumers) {
                    p.close();
                }
            }
        }
        Set<Long> seen = new HashSet<>();
        Map<String, Integer> windowsPerSensor = new HashMap<>();
        int windows = 0;
        Set<Integer> consumersWithWindows = new HashSet<>();
        for (int c = 0; c < 3; c++) {
            for (String line : Files.readAllLines(records[c])) {
                String[] parts = line.trim().split(" ");
                String key = parts[1];
                assertEquals(12, parts.length, "every window holds exactly 10 readings: " + line);
                for (int i = 2; i < parts.length; i++) {
                    long reading = Long.parseLong(parts[i]);
                    assertEquals("sensor-" + (reading % sensors), key, "a window holds one sensor only: " + line);
                    assertTrue(seen.add(reading), "reading " + reading + " in two windows");
                }
                windowsPerSensor.merge(key, 1, Integer::sum);
                windows++;
                consumersWithWindows.add(c);
            }
        }
        assertEquals(sensors * perSensor, seen.size(), "every reading in exactly one window");
        assertEquals(sensors * perSensor / 10, windows);
        assertTrue(windowsPerSensor.values().stream().allMatch(w -> w == perSensor / 10), windowsPerSensor.toString());
        assertTrue(consumersWithWindows.size() >= 2, "the consumers competed: windows came from " + consumersWithWindows);
    }
}
