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
    }

    void reset() {
        sent.clear();
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
