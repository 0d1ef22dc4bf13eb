package dev.minibatch.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark message: about 100 bytes of JSON, like a sensor reading. */
final class Payloads {
    private Payloads() {
    }

    static Map<String, Object> reading(long id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("sensor", "sensor-" + (id % 97));
        m.put("value", 20 + (id % 1000) / 100.0);
        m.put("unit", "C");
        m.put("ts", "2025-01-01T10:00:00.000Z");
        return m;
    }

    static List<Map<String, Object>> readings(long from, int count) {
        List<Map<String, Object>> out = new ArrayList<>(count);
        for (long i = from; i < from + count; i++) {
            out.add(reading(i));
        }
        return out;
    }

    /** The same reading as JSON text, for raw-driver baselines (no Jackson in the loop). */
    static String readingJson(long id) {
        return "{\"id\":" + id + ",\"sensor\":\"sensor-" + (id % 97) + "\",\"value\":" + (20 + (id % 1000) / 100.0)
                + ",\"unit\":\"C\",\"ts\":\"2025-01-01T10:00:00.000Z\"}";
    }
}
