package dev.minibatch.model;


/**
 * A state value cannot be stored: it is not JSON-mappable, or its JSON is over the size limit
 * ({@code Minibatch.Builder.maxStateBytes}, 1 MiB by default). The message names the table and the
 * key. Thrown inside a window's commit, it fails the window (retried, then dead-lettered) and leaves
 * the table as it was.
 */
public class TableValueException extends MinibatchException {

    private final String table;
    private final String key;

    public TableValueException(String table, String key, String problem, Throwable cause) {
        super("table '" + table + "', key '" + key + "': " + problem, cause);
        this.table = table;
        this.key = key;
    }

    public String table() {
        return table;
    }

    public String key() {
        return key;
    }
}
