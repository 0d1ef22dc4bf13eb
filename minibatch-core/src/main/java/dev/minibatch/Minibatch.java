package dev.minibatch;

import dev.minibatch.model.ConfigurationException;
import dev.minibatch.model.ConsumerHandle;
import dev.minibatch.runtime.ConsumerRegistry;
import dev.minibatch.plugin.Providers;
import dev.minibatch.model.StreamInfo;
import dev.minibatch.model.StreamOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.minibatch.internal.DaemonThreads;
import dev.minibatch.internal.Json;
import dev.minibatch.internal.Names;
import dev.minibatch.internal.Urls;
import dev.minibatch.observe.ConsumerListener;
import dev.minibatch.spi.store.StreamStore;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a stream store: the entry point for producers and consumers.
 *
 * <pre>{@code
 * try (Minibatch mb = Minibatch.connect()) {              // MINIBATCH_URL, else embedded SQLite
 *     mb.stream("test").append(Map.of("x", 1));
 *     mb.streaming("test").size(2).run(window -> System.out.println(window.data()));
 * }
 * }</pre>
 *
 * <p>The store URL is, in order: the explicit argument; the {@code minibatch.url} system property;
 * {@code MINIBATCH_URL}; {@code MINIBATCH_MONGO_URL} or {@code MONGO_URL} (as Python minibatch
 * does); else the embedded default {@code sqlite:} ({@code ~/.minibatch/minibatch.db}).
 *
 * <p>Thread-safe. {@link #close()} stops this instance's consumers (letting in-flight windows
 * finish within their stop timeout), stops attached sources, flushes batching streams and closes
 * the store if this instance opened it. All background threads are daemon threads.
 */
public final class Minibatch implements AutoCloseable {

    /** The embedded default store URL. */
    public static final String DEFAULT_URL = "sqlite:";

    /** Default upper bound on one encoded message: 1 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(Minibatch.class);

    private final StreamStore store;
    private final boolean ownsStore;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final int maxMessageBytes;
    private final int maxStateBytes;
    private final Providers providers;
    private final String ownerId;
    private final ScheduledThreadPoolExecutor scheduler;
    private final ConcurrentHashMap<String, Stream> defaultStreams = new ConcurrentHashMap<>();
    private final Set<Stream> handles = ConcurrentHashMap.newKeySet();
    private final ConsumerRegistry consumers;
    private final ConcurrentHashMap<String, LongAdder> appended = new ConcurrentHashMap<>();
    private final boolean installShutdownHook;
    private final List<ConsumerListener> listeners = new CopyOnWriteArrayList<>();

    private Minibatch(Builder b) {
        this.clock = b.clock;
        this.mapper = b.mapper;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxStateBytes = b.maxStateBytes;
        this.providers = b.providers != null ? b.providers : Providers.defaults();
        this.installShutdownHook = b.shutdownHook;
        this.listeners.addAll(b.listeners);
        if (b.store != null) {
            this.store = b.store;
            this.ownsStore = false;
        } else {
            this.store = providers.openStore(resolveUrl(b.url));
            this.ownsStore = true;
        }
        this.ownerId = hostName() + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
        this.scheduler = new ScheduledThreadPoolExecutor(1, new DaemonThreads("minibatch-scheduler"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.consumers = new ConsumerRegistry(store.url(), scheduler, installShutdownHook, this::flushAll);
    }

    /**
     * Connects to the store named by the environment, else the embedded default.
     *
     * @return the connected client
     */
    public static Minibatch connect() {
        return builder().build();
    }

    /**
     * Connects to the store at {@code url} ({@code sqlite:/path.db}, {@code memory:}, {@code mongodb://…}).
     *
     * @param url the store's URL
     * @return the connected client
     */
    public static Minibatch connect(String url) {
        return builder().url(Objects.requireNonNull(url, "url")).build();
    }

    /**
     * A builder for a client with options beyond the URL.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The URL {@link #connect()} would use: explicit → {@code minibatch.url} → {@code MINIBATCH_URL}
     * → {@code MINIBATCH_MONGO_URL} → {@code MONGO_URL} → {@value #DEFAULT_URL}.
     *
     * @param explicit a URL given by the caller, or null
     * @return the URL to connect to
     */
    public static String resolveUrl(String explicit) {
        for (String candidate : new String[] {explicit, System.getProperty("minibatch.url"),
                System.getenv("MINIBATCH_URL"), System.getenv("MINIBATCH_MONGO_URL"), System.getenv("MONGO_URL")}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return DEFAULT_URL;
    }

    /**
     * The stream {@code name}, created in the store if missing. Handles with default options are
     * shared per name.
     *
     * @throws IllegalArgumentException if the name is null, empty or invalid
     * @param name the stream's name
     * @return the stream
     */
    public Stream stream(String name) {
        checkOpen();
        Names.checkStreamName(name);
        return defaultStreams.computeIfAbsent(name, n -> new Stream(this, n, StreamOptions.DEFAULTS));
    }

    /**
     * A new handle on stream {@code name} with its own options (e.g. producer batching).
     *
     * @param name the stream's name
     * @param options the handle's options
     * @return a new handle on the stream
     */
    public Stream stream(String name, StreamOptions options) {
        checkOpen();
        Stream stream = new Stream(this, name, Objects.requireNonNull(options, "options"));
        handles.add(stream);
        return stream;
    }

    /**
     * All streams in the store.
     *
     * @return every stream's metadata
     */
    public List<StreamInfo> streams() {
        checkOpen();
        return store.listStreams();
    }

    /**
     * A pipeline stage reading {@code inputs} (merged) and appending to an output stream through
     * per-message operators: {@code mb.stage("lines").flatMap(…).keyBy(…).to("words").start()}.
     * See {@link dev.minibatch.Stage} for its delivery and ordering contract.
     *
     * @param inputs the names of the input streams
     * @return a new stage builder
     */
    public dev.minibatch.Stage stage(String... inputs) {
        checkOpen();
        return new dev.minibatch.Stage(this, inputs);
    }

    /**
     * A consumer builder for stream {@code name} (Python's {@code streaming(name)}).
     *
     * @param name the stream's name
     * @return a new consumer builder
     */
    public Streaming streaming(String name) {
        checkOpen();
        return new Streaming(this, Names.checkStreamName(name));
    }

    /**
     * The store this client works on.
     *
     * @return the store
     */
    public StreamStore store() {
        return store;
    }

    /**
     * The store URL, password removed.
     *
     * @return the URL
     */
    public String url() {
        return Urls.redact(store.url());
    }

    /**
     * The clock for creation times, leases and time windows.
     *
     * @return the clock
     */
    public Clock clock() {
        return clock;
    }

    /**
     * The Jackson mapper that encodes appended values.
     *
     * @return the mapper
     */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The largest encoded message accepted.
     *
     * @return the limit in bytes
     */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * The largest encoded table value accepted (default 1 MiB); see {@link dev.minibatch.model.TableValueException}.
     *
     * @return the limit in bytes
     */
    public int maxStateBytes() {
        return maxStateBytes;
    }

    /**
     * The table {@code name} of this client's store, for queries ({@code get}, paged
     * {@code entries}, {@code size}, {@code clear}, {@code drop}); it exists once a consumer wrote
     * to it. See {@link dev.minibatch.table}.
     *
     * @throws ConfigurationException if the store keeps no tables
     * @throws IllegalArgumentException if the name is invalid
     * @param name the table's name
     * @return the table
     */
    public dev.minibatch.table.Table table(String name) {
        checkOpen();
        return new dev.minibatch.table.Table(tableStore(), name, mapper);
    }

    /**
     * Every table of the store, by name, with its size and update count.
     *
     * @return every table's description
     */
    public List<dev.minibatch.model.TableInfo> tables() {
        checkOpen();
        return tableStore().listTables();
    }

    /**
     * The store as a {@link dev.minibatch.spi.store.TableStore}, or a clear error naming the store.
     *
     * @return the store as a table store
     */
    public dev.minibatch.spi.store.TableStore tableStore() {
        if (store instanceof dev.minibatch.spi.store.TableStore tables) {
            return tables;
        }
        java.util.Optional<String> reason = dev.minibatch.spi.store.StoreCapabilities.unsupported(store,
                dev.minibatch.spi.store.ConsumerFeatures.Feature.TABLES);
        if (reason.isPresent()) {
            throw new ConfigurationException("the store " + url() + " keeps no tables: " + reason.get());
        }
        throw new ConfigurationException("the store " + url() + " (" + store.getClass().getName()
                + ") keeps no tables; memory:, sqlite:, mongodb:// and kafka:// stores do");
    }

    /**
     * The provider registry: stores, emitters, sources and sinks by name.
     *
     * @return the registry
     */
    public Providers providers() {
        return providers;
    }

    /**
     * Identifies this client in leases: host, process id and a random suffix.
     *
     * @return the owner id
     */
    public String ownerId() {
        return ownerId;
    }

    /**
     * Messages appended through this client per stream since it connected (for rates).
     *
     * @return appended message counts by stream name
     */
    public Map<String, Long> appendedCounts() {
        Map<String, Long> out = new java.util.TreeMap<>();
        appended.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /**
     * Consumers started through this client and still running.
     *
     * @return the running consumers' handles
     */
    public List<ConsumerHandle> consumers() {
        return consumers.consumers();
    }

    /**
     * Tells {@code listener} what every consumer of this client does, including consumers already
     * running (from their next event on). See {@link ConsumerListener} for the threading contract.
     *
     * @param listener the listener
     */
    public void addListener(ConsumerListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Stops telling {@code listener}; true if it was registered.
     *
     * @param listener the listener
     * @return true if it was registered
     */
    public boolean removeListener(ConsumerListener listener) {
        return listeners.remove(listener);
    }

    /** The live list consumers read at each event. */
    List<ConsumerListener> listeners() {
        return listeners;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The consumers of this client, for the runtime that starts them. */
    ConsumerRegistry consumerRegistry() {
        return consumers;
    }

    void countAppended(String stream, int n) {
        appended.computeIfAbsent(stream, k -> new LongAdder()).add(n);
    }

    void forget(Stream stream) {
        handles.remove(stream);
        defaultStreams.remove(stream.name(), stream);
    }

    private void flushAll() {
        List<Stream> all = new ArrayList<>(handles);
        all.addAll(defaultStreams.values());
        for (Stream s : all) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.error("flushing stream '{}' failed; its unflushed messages are lost", s.name(), e);
            }
        }
    }

    @Override
    public void close() {
        if (!consumers.close()) {
            return;
        }
        try {
            flushAll();
        } finally {
            scheduler.shutdownNow();
            if (ownsStore) {
                store.close();
            }
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once the client is closed
     */
    public boolean isClosed() {
        return consumers.isClosed();
    }

    private void checkOpen() {
        if (consumers.isClosed()) {
            throw new IllegalStateException("this Minibatch (" + url() + ") is closed");
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            String name = ManagementFactory.getRuntimeMXBean().getName();
            int at = name.indexOf('@');
            return at >= 0 ? name.substring(at + 1) : "localhost";
        }
    }

    @Override
    public String toString() {
        return "Minibatch[" + url() + "]";
    }

    /** Configures a {@link Minibatch}. */
    public static final class Builder {
        private String url;
        private StreamStore store;
        private Clock clock = Clock.systemUTC();
        private ObjectMapper mapper = Json.mapper();
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int maxStateBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Providers providers;
        private boolean shutdownHook = true;
        private final List<ConsumerListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * The store URL; when unset, resolved from the environment (see {@link Minibatch}).
         *
         * @param storeUrl the store's URL
         * @return this
         */
        public Builder url(String storeUrl) {
            this.url = storeUrl;
            return this;
        }

        /**
         * An explicit store instance; it wins over any URL and stays yours to close.
         *
         * @param instance the store
         * @return this
         */
        public Builder store(StreamStore instance) {
            this.store = Objects.requireNonNull(instance, "store");
            return this;
        }

        /**
         * The clock for creation times, leases and time windows (a manual clock in tests).
         *
         * @param source the clock
         * @return this
         */
        public Builder clock(Clock source) {
            this.clock = Objects.requireNonNull(source, "clock");
            return this;
        }

        /**
         * The Jackson mapper used to encode appended values.
         *
         * @param objectMapper the mapper
         * @return this
         */
        public Builder mapper(ObjectMapper objectMapper) {
            this.mapper = Objects.requireNonNull(objectMapper, "mapper");
            return this;
        }

        /**
         * The largest encoded message accepted (default 1 MiB).
         *
         * @param bytes the limit in bytes
         * @return this
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 16) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 16, was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * The largest encoded table value accepted (default 1 MiB).
         *
         * @param bytes the limit in bytes
         * @return this
         */
        public Builder maxStateBytes(int bytes) {
            if (bytes < 16) {
                throw new IllegalArgumentException("maxStateBytes must be at least 16, was " + bytes);
            }
            this.maxStateBytes = bytes;
            return this;
        }

        /**
         * The provider registry (default: discovered on the class path).
         *
         * @param registry the registry
         * @return this
         */
        public Builder providers(Providers registry) {
            this.providers = Objects.requireNonNull(registry, "providers");
            return this;
        }

        /**
         * Whether consumers are stopped gracefully at JVM shutdown (default true).
         *
         * @param install true to stop consumers at JVM shutdown
         * @return this
         */
        public Builder shutdownHook(boolean install) {
            this.shutdownHook = install;
            return this;
        }

        /**
         * A listener told what every consumer of the client does (see {@link Minibatch#addListener}).
         *
         * @param listener the listener
         * @return this
         */
        public Builder listener(ConsumerListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the client: opens the store by URL (resolved as for {@link Minibatch#connect()}), or
         * uses the given store instance.
         *
         * @return the client
         */
        public Minibatch build() {
            return new Minibatch(this);
        }
    }
}
