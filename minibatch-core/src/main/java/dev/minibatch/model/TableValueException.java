package dev.minibatch.model;


/**
 * A state value cannot be stored: it is not JSON-mappable, or its JSON is over the size limit
 * ({@code Minibatch.Builder.maxStateBytes}, 1 MiB by default). The message names the table and the
 * key. Thrown inside a window's commit, it fails the window (retried, then dead-lettered) and leaves
 * the table as it was.
 */
public class TableValueException extends MinibatchException {

    /** The table's name. */
    private final String table;
    /** The key whose value cannot be stored. */
    private final String key;

    /**
     * An exception whose message names the table, the key and the problem.
     *
     * @param table the table's name
     * @param key the key
     * @param problem what is wrong with the value
     * @param cause the underlying failure, or null
     */
    public TableValueException(String table, String key, String problem, Throwable cause) {
        super("table '" + table + "', key '" + key + "': " + problem, cause);
        this.table = table;
        this.key = key;
    }

    /**
     * The table's name.
     *
     * @return the name
     */
    public String table() {
        return table;
    }

    /**
     * The key whose value cannot be stored.
     *
     * @return the key
     */
    public String key() {
        return key;
    }
}
