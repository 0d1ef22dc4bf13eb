package dev.minibatch.spring.sample;

/** What the listener returns for each window; the sink receives it. */
public record WindowSummary(int orders, double revenue) {
}
