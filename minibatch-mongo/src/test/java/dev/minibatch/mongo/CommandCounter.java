package dev.minibatch.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.bson.BsonDocument;

/**
 * Counts the commands a client really sends over the wire (a driver {@link CommandListener}), by
 * command name and target collection, with the command document kept for finer checks.
 */
final class CommandCounter implements CommandListener {

    /** One command as sent. */
    record Sent(String name, String collection, BsonDocument command) {
        /** The query filter of a find, update or delete statement (the first one), or empty. */
        BsonDocument filter() {
            if (command.isDocument("filter")) {
                return command.getDocument("filter");
            }
            for (String statements : List.of("updates", "deletes")) {
                if (command.isArray(statements) && !command.getArray(statements).isEmpty()) {
                    return command.getArray(statements).get(0).asDocument().getDocument("q", new BsonDocument());
                }
            }
            return new BsonDocument();
        }

        boolean mentions(String field) {
            return filter().toJson().contains("\"" + field + "\"");
        }
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    /** Server time per command name and collection ({@code "update buffer"}), in nanoseconds. */
    private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> nanos = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, String> inFlight = new java.util.concurrent.ConcurrentHashMap<>();

    /** A client on {@code connection} whose commands this counter sees. */
    MongoClient client(String connection) {
        return MongoClients.create(MongoClientSettings.builder().applyConnectionString(new ConnectionString(connection))
                .addCommandListener(this).build());
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        BsonDocument command = event.getCommand();
        String name = event.getCommandName();
        String collection = command.isString(name) ? command.getString(name).getValue() : "";
        sent.add(new Sent(name, collection, command.clone()));
        inFlight.put(event.getRequestId(), name + " " + collection);
    }

    @Override
    public void commandSucceeded(com.mongodb.event.CommandSucceededEvent event) {
        String what = inFlight.remove(event.getRequestId());
        if (what != null) {
            nanos.computeIfAbsent(what, k -> new java.util.concurrent.atomic.LongAdder()).add(event.getElapsedTime(java.util.concurrent.TimeUnit.NANOSECONDS));
        }
    }

    /** Milliseconds spent per command name and collection since the last reset, largest first. */
    String timings() {
        StringBuilder out = new StringBuilder();
        nanos.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(e -> out.append(e.getKey()).append('=').append(e.getValue().sum() / 1_000_000).append("ms "));
        return out.toString();
    }

    void reset() {
        sent.clear();
        nanos.clear();
    }

    List<Sent> sent() {
        return List.copyOf(sent);
    }

    long count(Predicate<Sent> which) {
        return sent.stream().filter(which).count();
    }

    static Predicate<Sent> on(String collection) {
        return s -> s.collection().equals(collection);
    }
}
