package dev.minibatch.mongo;

/** {@link MongoTableSizeTest} with {@code claims=locks}: the size moved by revision markers ({@link LockTables}). */
class MongoLockTableSizeTest extends MongoTableSizeTest {

    @Override
    protected String claims() {
        return "claims=locks";
    }
}
