package dev.minibatch.model;


/**
 * A state function failed while a window's state was being committed (it threw, or its result
 * could not be stored: the cause is then a {@link TableValueException}). Nothing of the window's
 * commit happened; the consumer treats the window as failed (released with {@code attempts + 1},
 * retried, then dead-lettered), with this message as the error. The message names the table and
 * the key; {@link #getCause()} is what the function threw.
 */
public class StateFunctionException extends MinibatchException {

    /**
     * The failure of a state function; the message names the table and the key.
     *
     * @param table the table's name
     * @param key the key whose update failed
     * @param cause what the state function threw
     */
    public StateFunctionException(String table, String key, RuntimeException cause) {
        super(cause instanceof TableValueException ? cause.getMessage()
                : "table '" + table + "', key '" + key + "': the state function threw " + cause, cause);
    }
}
