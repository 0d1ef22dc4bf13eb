package dev.minibatch.omegaml;

import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.model.ConsumerStats;
import dev.minibatch.Minibatch;
import dev.minibatch.Streaming;
import dev.minibatch.model.WindowFunction;
import dev.minibatch.model.WindowHandler;
import dev.minibatch.spi.connector.Sink;
import java.time.Duration;
import java.util.Map;

/**
 * A consumer of an omega|ml stream, configured from the stream's stored window options and the
 * caller's: omega|ml's lazy {@code getl(name)} handle. Nothing runs until {@link #apply} or
 * {@link #start}. Not thread-safe; one handle per consumer.
 */
public final class LazyStreaming {

    private final Streaming streaming;
    private boolean blocking = true;

    LazyStreaming(Minibatch minibatch, String qualifiedName, Map<String, ?> options) {
        this.streaming = minibatch.streaming(qualifiedName);
        options.forEach(this::option);
    }

    private void option(String key, Object value) {
        switch (key) {
            case "size" -> streaming.size(OmegaStreams.integer(key, value));
            case "interval" -> streaming.interval(OmegaStreams.duration(key, value));
            case "relaxed" -> streaming.relaxed(OmegaStreams.bool(key, value));
            case "keep" -> streaming.keep(OmegaStreams.bool(key, value));
            case "blocking" -> blocking(OmegaStreams.bool(key, value));
            case "max_workers", "workers" -> streaming.workers(OmegaStreams.integer(key, value));
            case "emit_empty" -> streaming.emitEmpty(OmegaStreams.bool(key, value));
            case "max_attempts" -> streaming.maxAttempts(OmegaStreams.integer(key, value));
            default -> throw new IllegalStateException("unchecked option " + key);
        }
    }

    public LazyStreaming size(int n) {
        streaming.size(n);
        return this;
    }

    public LazyStreaming interval(Duration every) {
        streaming.interval(every);
        return this;
    }

    public LazyStreaming relaxed(boolean relaxed) {
        streaming.relaxed(relaxed);
        return this;
    }

    public LazyStreaming keep(boolean keep) {
        streaming.keep(keep);
        return this;
    }

    public LazyStreaming workers(int n) {
        streaming.workers(n);
        return this;
    }

    public LazyStreaming sink(Sink sink) {
        streaming.sink(sink);
        return this;
    }

    /** {@code false}: {@link #apply} runs one round and returns (omega|ml's {@code blocking=False}). */
    public LazyStreaming blocking(boolean block) {
        this.blocking = block;
        streaming.blocking(block);
        return this;
    }

    /** The underlying builder, for settings this handle does not mirror. */
    public Streaming streaming() {
        return streaming;
    }

    /** Runs {@code handler} on this thread: until stopped when blocking, else one round. */
    public ConsumerStats apply(WindowHandler handler) {
        return streaming.run(handler);
    }

    /** Sets a function whose results go to the sink; then {@link #apply()} or {@link #start()}. */
    public LazyStreaming map(WindowFunction<?> fn) {
        streaming.map(fn);
        return this;
    }

    /** Runs with the function set by {@link #map} (or straight to the sink) on this thread. */
    public ConsumerStats apply() {
        return streaming.run();
    }

    /** Starts with the function set by {@link #map} on a daemon thread. */
    public ConsumerHandle start() {
        return streaming.start();
    }

    /** Starts {@code handler} on a daemon thread. */
    public ConsumerHandle start(WindowHandler handler) {
        return streaming.start(handler);
    }

    public boolean isBlocking() {
        return blocking;
    }
}
