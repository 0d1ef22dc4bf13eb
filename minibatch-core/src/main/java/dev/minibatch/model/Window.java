package dev.minibatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;

/**
 * One mini-batch handed to a window function: the messages — in append order, unless the emitter
 * orders them otherwise (e.g. a sorting emitter) — and what selected them. Immutable; its data must
 * be treated as read-only (a retried window may reuse it).
 */
public final class Window {

    private final String id;
    private final String stream;
    private final Instant created;
    private final List<Message> messages;
    private final Instant from;
    private final Instant to;
    /** Converts values for {@link #dataAs}; model imports nothing of minibatch, so not internal.Json's mapper. */
    private static final ObjectMapper READER = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule()).build();
    private final List<JsonNode> data;
    private final String key;

    /**
     * @param id       unique per emitted window (the claim's lease token); stable across a retry
     *                 of the same claim only, so sinks can deduplicate within one delivery
     * @param stream   the stream name
     * @param created  when the window was emitted
     * @param messages the messages, in append order
     * @param from     start of the query range (inclusive), or null for count windows
     * @param to       end of the query range (exclusive), or null for count windows
     */
    public Window(String id, String stream, Instant created, List<Message> messages, Instant from, Instant to) {
        this(id, stream, created, messages, from, to, null);
    }

    /**
     * A window of one key (keyed consumers: {@code streaming(s).keyBy(…)}).
     *
     * @param key the key all its messages share, or null for an unkeyed window
     * @param id unique per emitted window
     * @param stream the stream name
     * @param created when the window was emitted
     * @param messages the messages, in append order
     * @param from start of the query range (inclusive), or null
     * @param to end of the query range (exclusive), or null
     */
    public Window(String id, String stream, Instant created, List<Message> messages, Instant from, Instant to, String key) {
        this.key = key;
        this.id = Objects.requireNonNull(id, "id");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.created = Objects.requireNonNull(created, "created");
        this.messages = List.copyOf(messages);
        this.from = from;
        this.to = to;
        // a read-only view, not a copy: windows are built on the hot path
        List<Message> held = this.messages;
        this.data = new AbstractList<>() {
            @Override
            public JsonNode get(int index) {
                return held.get(index).data();
            }

            @Override
            public int size() {
                return held.size();
            }
        };
    }

    /**
     * The key every message of this window shares, for windows of a keyed consumer
     * ({@code streaming(s).keyBy(…)}); null for unkeyed consumers (and for the unkeyed group).
     *
     * @return the key, or null
     */
    public String key() {
        return key;
    }

    /**
     * This window with {@code newKey} (same id, messages and range).
     *
     * @param newKey the key, or null
     * @return a copy with the key
     */
    public Window withKey(String newKey) {
        return new Window(id, stream, created, messages, from, to, newKey);
    }

    /**
     * Unique per emitted window (the claim's lease token); stable across a retry of the same claim only.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The stream name.
     *
     * @return the name
     */
    public String stream() {
        return stream;
    }

    /**
     * When the window was emitted.
     *
     * @return the time
     */
    public Instant created() {
        return created;
    }

    /**
     * The message values, in append order (Python's {@code window.data}).
     *
     * @return the values
     */
    public List<JsonNode> data() {
        return data;
    }

    /**
     * The message values converted to {@code type} with Jackson.
     *
     * @param <T> the target type
     * @param type the target type
     * @return the converted values
     * @throws InvalidMessageException if a value cannot be converted
     */
    public <T> List<T> dataAs(Class<T> type) {
        ObjectMapper mapper = READER;
        List<T> out = new ArrayList<>(data.size());
        for (JsonNode node : data) {
            try {
                out.add(mapper.treeToValue(node, type));
            } catch (Exception e) {
                throw new InvalidMessageException("window " + id + " of stream '" + stream
                        + "': cannot convert " + node + " to " + type.getName() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * The stored messages (ids, creation times, attempts).
     *
     * @return the messages
     */
    public List<Message> messages() {
        return messages;
    }

    /**
     * The number of messages.
     *
     * @return the size
     */
    public int size() {
        return messages.size();
    }

    /**
     * Whether the window holds no message.
     *
     * @return true when empty
     */
    public boolean isEmpty() {
        return messages.isEmpty();
    }

    /**
     * Start of the query range (inclusive), or null for count windows.
     *
     * @return the start, or null
     */
    public Instant from() {
        return from;
    }

    /**
     * End of the query range (exclusive), or null for count windows.
     *
     * @return the end, or null
     */
    public Instant to() {
        return to;
    }

    /**
     * Which try this is for the window's messages: 1 + the most failed attempts among them.
     *
     * @return the attempt, 1 for the first
     */
    public int attempt() {
        int max = 0;
        for (Message m : messages) {
            max = Math.max(max, m.attempts());
        }
        return max + 1;
    }

    @Override
    public String toString() {
        return "Window[" + stream + " " + id + (key == null ? "" : " key=" + key) + ", " + messages.size() + " messages"
                + (from != null ? ", [" + from + ", " + to + ")" : "") + "]";
    }
}
