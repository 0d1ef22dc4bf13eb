package dev.minibatch;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.runtime.ConsumerLoop;
import dev.minibatch.spi.store.ConsumerFeatures;
import dev.minibatch.spi.store.OrderedConsumption;
import dev.minibatch.spi.store.StoreCapabilities;
import dev.minibatch.spi.store.StreamStore;
import dev.minibatch.runtime.ConsumerSettings;
import dev.minibatch.runtime.Observers;
import dev.minibatch.model.WindowFunction;
import dev.minibatch.emitter.CountWindow;
import dev.minibatch.emitter.FixedTimeWindow;
import dev.minibatch.emitter.RelaxedTimeWindow;
import dev.minibatch.internal.Names;
import dev.minibatch.keyed.KeyedEmitter;
import dev.minibatch.spi.connector.Sink;
import dev.minibatch.spi.emitter.WindowEmitter;
import dev.minibatch.table.TableOperators;

/**
 * Turns a {@link Streaming}'s settings into a running consumer: the emitter Python minibatch's
 * rule picks (or the one given), wrapped per key and for tables as asked, the sink, the settings
 * and listeners of the runtime's {@link ConsumerLoop}. The store's capabilities are resolved here,
 * once per consumer. Called on the thread that starts the consumer.
 */
final class ConsumerAssembly {

    private ConsumerAssembly() {
    }

    /** The emitter Python's rule picks for these settings. */
    static WindowEmitter chooseEmitter(Streaming s) {
        if (s.emitter != null) {
            return s.emitter;
        }
        if (s.emitterFactory != null) {
            return s.emitterFactory.get();
        }
        if (s.emitterName != null) {
            return s.minibatch.providers().emitter(s.emitterName, s.emitterOptions);
        }
        if (s.interval != null) {
            return s.relaxed ? new RelaxedTimeWindow(s.interval) : new FixedTimeWindow(s.interval);
        }
        return new CountWindow(s.size != null ? s.size : 1);
    }

    /** A short, stable emitter name for metric tags (see {@code WindowEvent.emitter()}). */
    private static String emitterTag(Streaming s, WindowEmitter chosen) {
        if (s.emitterName != null) {
            return s.emitterName.toLowerCase(java.util.Locale.ROOT);
        }
        if (chosen instanceof CountWindow) {
            return "count";
        }
        if (chosen instanceof RelaxedTimeWindow) {
            return "relaxed";
        }
        if (chosen instanceof FixedTimeWindow) {
            return "fixed";
        }
        return chosen.getClass().getSimpleName();
    }

    /** A window handler as a window function with no result. */
    static WindowFunction<Object> function(dev.minibatch.model.WindowHandler handler) {
        java.util.Objects.requireNonNull(handler, "handler");
        return window -> {
            handler.handle(window);
            return null;
        };
    }

    /** Fails, with the store's reason, when the store cannot serve a feature the consumer asks for. */
    static void refuseIfUnsupported(StreamStore store, ConsumerFeatures.Feature feature, String stream, String what) {
        StoreCapabilities.unsupported(store, feature).ifPresent(reason -> {
            throw new ConfigurationException("streaming(\"" + stream + "\"): " + what + " on " + store.url() + ": " + reason);
        });
    }

    /**
     * The store as this consumer sees it: its group's view, or the ordered view when it asks for
     * order, or for a feature the store serves only to ordered consumers (keyed windows, tables on
     * {@code kafka://}).
     */
    private static StreamStore view(Streaming s) {
        StreamStore base = s.minibatch.store();
        StreamStore shared = s.group == null ? base : StoreCapabilities.forGroup(base, s.group);
        if (s.ordered || base instanceof OrderedConsumption
                && (s.keySelector != null && StoreCapabilities.unsupported(shared, ConsumerFeatures.Feature.KEYED_WINDOWS).isPresent()
                || !s.tables.isEmpty() && StoreCapabilities.unsupported(shared, ConsumerFeatures.Feature.TABLES).isPresent())) {
            return StoreCapabilities.ordered(base, s.group);
        }
        return shared;
    }

    static ConsumerLoop build(Streaming s) {
        StreamStore store = view(s);
        StoreCapabilities capabilities = StoreCapabilities.of(store); // resolved once per consumer
        WindowEmitter chosen = chooseEmitter(s);
        String tag = emitterTag(s, chosen);
        String dead = s.deadLetterStream != null ? s.deadLetterStream : Names.deadLetterStream(s.stream);
        if (s.keySelector != null) {
            refuseIfUnsupported(store, ConsumerFeatures.Feature.KEYED_WINDOWS, s.stream, "keyBy(…)");
            if (s.emitter != null) {
                throw new ConfigurationException("streaming(\"" + s.stream + "\").keyBy(…) runs one emitter per key:"
                        + " pass emitterFactory(() -> new …) instead of an emitter instance");
            }
            chosen = new KeyedEmitter(capabilities, s.stream, s::chooseEmitter, s.keySelector, s.keyScanLimit);
        }
        Sink target = s.sink;
        boolean ownsSink = false;
        if (target == null && s.sinkName != null) {
            target = s.minibatch.providers().sink(s.sinkName, s.sinkOptions);
            ownsSink = true;
        }
        WindowFunction<?> fn = s.function;
        if (!s.tables.isEmpty()) {
            refuseIfUnsupported(store, ConsumerFeatures.Feature.TABLES, s.stream, "tables");
            s.minibatch.tableStore(); // fails early, naming the store, if it keeps no tables
            TableOperators.Bound bound = s.tables.bind(s.minibatch.mapper(), s.minibatch.maxStateBytes());
            fn = bound.function(s.function);
            chosen = bound.emitter(chosen);
        }
        ConsumerSettings settings = new ConsumerSettings(s.stream, chosen, fn, target, ownsSink, s.keep,
                s.workers, s.executor, s.maxAttempts, s.lease, s.backoff, s.maxBackoff, s.emitEmpty, s.pollInterval, s.stopTimeout,
                s.clock != null ? s.clock : s.minibatch.clock(), dead);
        Observers observers = new Observers(s.listeners, s.minibatch.listeners(), s.stream, tag);
        return new ConsumerLoop(capabilities, s.minibatch.consumerRegistry(), s.minibatch.ownerId(), settings, observers);
    }
}
