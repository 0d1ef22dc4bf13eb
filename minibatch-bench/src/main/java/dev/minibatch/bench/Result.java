package dev.minibatch.bench;

/**
 * One measured figure.
 *
 * @param group     what kind of measurement (append, consume, latency, memory, scale, …)
 * @param name      the scenario
 * @param store     the back end (memory, sqlite, mongodb, kafka) or "-"
 * @param value     the figure
 * @param unit      its unit (msg/s, ms, ns/msg, bytes/msg, ratio)
 * @param limit     the physical limit measured in the same run for comparison, or null
 * @param limitName what the limit is (e.g. "raw sqlite-jdbc batched insert")
 * @param target    the project's target for this figure in words, or null
 */
public record Result(String group, String name, String store, double value, String unit, Double limit,
                     String limitName, String target) {

    /** value / limit, or null when there is no limit. */
    public Double ratio() {
        return limit == null || limit == 0 ? null : value / limit;
    }
}
