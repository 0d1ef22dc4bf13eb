package dev.minibatch.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the record files written by {@link RecordingConsumerMain}: which message numbers were
 * delivered, and how often. A torn last line (the process was killed while writing) is ignored;
 * that window was not committed and is delivered again.
 */
public final class DeliveryRecord {

    private final Map<Long, Integer> deliveries = new HashMap<>();
    private int windows;

    /**
     * Reads and merges every given record file (missing files count as empty).
     *
     * @param files the record files
     * @return the merged record
     * @throws IOException if a file cannot be read
     */
    public static DeliveryRecord read(List<Path> files) throws IOException {
        DeliveryRecord record = new DeliveryRecord();
        for (Path file : files) {
            if (!Files.exists(file)) {
                continue;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            // the last element is "" after a complete final line, or a torn line after a kill
            for (int i = 0; i < lines.length - 1; i++) {
                String[] parts = lines[i].trim().split(" ");
                record.windows++;
                for (int p = 1; p < parts.length; p++) {
                    record.deliveries.merge(Long.parseLong(parts[p]), 1, Integer::sum);
                }
            }
        }
        return record;
    }

    /**
     * How many distinct numbers in [0, expected) were never delivered.
     *
     * @param expected how many numbers were sent
     * @return the count of missing numbers
     */
    public long missing(long expected) {
        long missing = 0;
        for (long n = 0; n < expected; n++) {
            if (!deliveries.containsKey(n)) {
                missing++;
            }
        }
        return missing;
    }

    /**
     * Deliveries beyond the first, summed over all numbers.
     *
     * @return the count of duplicates
     */
    public long duplicates() {
        long dup = 0;
        for (int count : deliveries.values()) {
            dup += count - 1;
        }
        return dup;
    }

    /**
     * How many distinct numbers were delivered.
     *
     * @return the count
     */
    public int distinct() {
        return deliveries.size();
    }

    /**
     * How many windows were recorded.
     *
     * @return the count
     */
    public int windows() {
        return windows;
    }

    /**
     * A few missing numbers, for failure messages.
     *
     * @param expected how many numbers were sent
     * @return the missing numbers, abridged
     */
    public String sampleMissing(long expected) {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (long n = 0; n < expected && shown < 10; n++) {
            if (!deliveries.containsKey(n)) {
                out.append(n).append(' ');
                shown++;
            }
        }
        return out.toString().trim();
    }
}
