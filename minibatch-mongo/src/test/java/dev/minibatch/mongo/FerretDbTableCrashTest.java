package dev.minibatch.mongo;

import dev.minibatch.test.TableCrashContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The table crash suite on FerretDB (SQLite backend), a process on 127.0.0.1 and a free port that
 * the kills never touch; lock claims are chosen there automatically, so this is
 * {@link LockTables} on the server it was made for: a word count with five kill -9 ending equal to
 * a batch count, and two competing consumer JVMs on 100 keys losing no update.
 *
 * <p>Scale: 1,000 words (50 lines) and 500 numbers instead of the 200,000 and 20,000.
 * FerretDB's SQLite backend writes every marked or deleted message in a transaction of its own and
 * answers no filter but {@code _id} from an index (module README): a keyed reduce over 40 keys
 * consumed about 50 words a second here in one JVM (1,000 in 21 s at load 6, of which the table
 * protocol's own commands took about 2.7 s and the buffer's claims and deletes the rest), and 4,000 words with the
 * stage, six consumer starts and five lease lapses took 277 s. So the size would take hours;
 * this one took 69 s (word count) and 42 s (competing JVMs) at load 4 and still lands every kill
 * mid-run. The lease is 8 s, long
 * enough for claims of a loaded server and short enough that the five killed consumers' windows
 * come back within the run.
 */
@Tag("ferretdb")
class FerretDbTableCrashTest extends TableCrashContract {

    private static TestMongo ferretDb;

    @BeforeAll
    static void startServer() {
        ferretDb = TestMongo.startFerretDb();
    }

    @AfterAll
    static void stopServer() {
        ferretDb.close();
    }

    @Override
    protected String storeUrl(Path dir) {
        return ferretDb.url(TestMongo.freshDatabase("tablecrash"));
    }

    @Override
    protected int crashTestWords() {
        return 1_000;
    }

    @Override
    protected int competingMessages() {
        return 500;
    }

    @Override
    protected Duration lease() {
        return Duration.ofSeconds(8);
    }

    @Override
    protected Duration interval() {
        return Duration.ofMillis(500);
    }
}
