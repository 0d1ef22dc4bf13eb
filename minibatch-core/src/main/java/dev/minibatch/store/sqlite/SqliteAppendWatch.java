package dev.minibatch.store.sqlite;

import dev.minibatch.store.LocalWakeups;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Append notices for appends made to the SQLite file by other processes (and other store objects
 * in this JVM): a watch of the file's write-ahead log ({@code <file>-wal}) through
 * {@link WatchService}, confirmed by {@code PRAGMA data_version} and the per-stream append counts
 * ({@code mb_stream.appended}) on a connection of its own.
 *
 * <p><b>Why this mechanism.</b> Every commit in WAL mode writes its pages to the {@code -wal} file,
 * whoever makes it, so watching that file needs no help from the writer: a producer of an older
 * version, a crashed producer or a plain {@code sqlite3} shell cannot forget to ring a bell. On Linux
 * the JDK's watch service is inotify, whose modify events arrive for every process's writes within
 * microseconds, and one daemon thread serves every consumer of the file. A notification channel
 * beside the file (a socket, a doorbell file) would need every writer to cooperate and leave stale
 * endpoints behind when processes die. An event is only a hint: the check reads
 * {@code data_version} (a change means another connection committed), then the stream rows'
 * append counts, and tells only the subscribers of streams whose count moved — so a consumer's own
 * heartbeats, claims and commits, which write the log too, wake no one. The writer appends to the
 * log before it publishes the commit in the shared index, so after the check a write caused come
 * three more, 1, 4 and 14 ms later. Writes cause at most one check every half millisecond, the
 * thread sleeping through the gap. And when they keep coming (a write's check within 2 ms of the
 * last) the watch is a burst: the inotify registration is cancelled and the file checked every half
 * millisecond until it has been quiet for 5 ms, then watched again. Every commit of every process
 * is several writes to the log, each waking the JDK's watch thread: at 1,000 appends a second from
 * another process that thread alone took about a tenth of a core, and this one, checking per event,
 * a sixth, from the consumer they were waking. Under load the gap costs an append up to half a
 * millisecond; nothing when the file was quiet.
 *
 * <p><b>Fallback.</b> Where the watch is unavailable — any system but Linux (macOS's JDK watches by
 * polling, seconds late; on Windows notices of writes through another process's open handle may
 * wait, and it is not verified here), no inotify instance left, a watch that fails later, or
 * {@code crossProcessWakeups=false} on the URL — {@link #prompt()} is false, which is
 * logged once per JVM: consumers then poll at their own interval, as before this watch existed.
 * While it is prompt an idle consumer still polls once a second ({@code PollPacer}'s safety poll),
 * so a notice that never comes (a lost inotify event, a check that gave up early) delays a
 * message by at most that second, never loses it.
 *
 * <p><b>Threading and lifecycle.</b> Started by the store at the first subscription; one daemon
 * thread and one connection of its own, which only reads, per store; {@link #close()} stops both
 * within moments.
 * Notices go to the store's {@link LocalWakeups}, on the watch thread.
 */
final class SqliteAppendWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteAppendWatch.class);
    /** Logged once per JVM: consumers of SQLite files poll at their interval. */
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
    /** While the log is being written, at most one check caused by writes every half millisecond. */
    private static final long MIN_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** A check writes caused this soon after the last one starts a burst ({@link #burst()}). */
    private static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** During a burst, a check every half millisecond ... */
    private static final long BURST_CHECK_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** ... until this many found nothing new (5 ms of quiet). */
    private static final int QUIET_CHECKS = 10;
    /** After the check a write caused, checks again after these waits: its commit may not have been visible yet. */
    private static final long[] RECHECK_NANOS = {TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(3),
        TimeUnit.MILLISECONDS.toNanos(10)};

    private final String url;
    private final Path file;
    private final String walName;
    private final LocalWakeups wakeups;
    /** Queries run by the checks ({@code data_version}, append counts), for benchmarks. */
    private final AtomicLong queries = new AtomicLong();
    private volatile boolean prompt;
    private volatile boolean closed;
    /** Test hook: the watch runs and stays prompt but tells no one, as if every notice were lost. */
    private volatile boolean mute;
    private WatchService watchService;
    private Connection connection;
    private PreparedStatement dataVersion;
    private PreparedStatement counts;
    private Thread thread;
    /** The directory's registration; cancelled during a burst of writes (see {@link #burst()}). */
    private WatchKey watchKey;
    private long lastVersion;
    private final Map<String, Long> lastCounts = new HashMap<>();

    private SqliteAppendWatch(String url, Path file, LocalWakeups wakeups) {
        this.url = url;
        this.file = file;
        this.walName = file.getFileName() + "-wal";
        this.wakeups = wakeups;
    }

    /**
     * Starts watching {@code file} for the store at {@code url}, telling {@code wakeups}; where the
     * watch cannot start (or {@code enabled} is false) the returned watch is not prompt.
     */
    static SqliteAppendWatch start(String url, Path file, LocalWakeups wakeups, boolean enabled) {
        SqliteAppendWatch watch = new SqliteAppendWatch(url, file, wakeups);
        if (!enabled) {
            fallback(url, "crossProcessWakeups=false");
            return watch;
        }
        try {
            watch.open();
        } catch (Exception | LinkageError e) {
            watch.closeResources();
            fallback(url, e.toString());
        }
        return watch;
    }

    private void open() throws IOException, SQLException {
        Path dir = file.getParent();
        watchService = FileSystems.getDefault().newWatchService();
        if (!watchService.getClass().getName().equals("sun.nio.fs.LinuxWatchService")) {
            // macOS: a polling watch service (seconds late); Windows: write notices for a file held
            // open by another process may wait for its flush — prompt() must not promise there
            throw new IOException("cross-process append notices need Linux's inotify; this JDK watches with "
                    + watchService.getClass().getName());
        }
        // registered before the first check: a commit after that check writes the log after this
        watchKey = register();
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(1_000);
        connection = config.createConnection("jdbc:sqlite:" + file);
        dataVersion = connection.prepareStatement("PRAGMA data_version");
        counts = connection.prepareStatement("SELECT name, appended FROM mb_stream");
        lastVersion = readDataVersion();
        readCounts(null);
        prompt = true;
        thread = new Thread(this::run, "minibatch-sqlite-watch " + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    private static void fallback(String url, String why) {
        if (FALLBACK_LOGGED.compareAndSet(false, true)) {
            LOG.info("SQLite store {}: no cross-process append notices ({}); consumers poll at their interval"
                    + " (logged once)", url, why);
        } else {
            LOG.debug("SQLite store {}: no cross-process append notices ({})", url, why);
        }
    }

    /**
     * Whether appends by other processes are announced: the watch runs. While true an idle consumer
     * polls once a second; a missed notice delays a message by at most that.
     */
    boolean prompt() {
        return prompt;
    }

    /** Queries the checks ran so far. */
    long queries() {
        return queries.get();
    }

    /** Test hook: notices are dropped (true) while the watch keeps running and stays prompt. */
    void mute(boolean mute) {
        this.mute = mute;
    }

    private void run() {
        long lastCheck = System.nanoTime() - MIN_GAP_NANOS;
        boolean scheduled = false;
        long due = 0;
        int rechecks = 0;
        try {
            while (!closed) {
                WatchKey key;
                long wait = due - System.nanoTime();
                if (!scheduled) {
                    key = watchService.take();
                } else if (wait <= 0) {
                    key = watchService.poll();
                } else if (rechecks == RECHECK_NANOS.length) {
                    // a write is waiting out the gap: sleep through it (events gather in the key
                    // meanwhile), so continuous writes wake this thread once a millisecond, not per write
                    LockSupport.parkNanos(wait);
                    key = watchService.poll();
                } else {
                    key = watchService.poll(wait, TimeUnit.NANOSECONDS); // a recheck: a new write cuts it short
                }
                if (key != null && key != watchKey) {
                    key.pollEvents(); // a registration a burst cancelled: its last events are covered
                } else if (key != null) {
                    boolean written = false;
                    for (WatchEvent<?> event : key.pollEvents()) {
                        // OVERFLOW: events were dropped; a check now covers every commit before it
                        written |= event.kind() == StandardWatchEventKinds.OVERFLOW
                                || walName.equals(String.valueOf(event.context()));
                    }
                    if (!key.reset()) {
                        throw new IOException("the watch of " + file.getParent() + " ended (directory gone?)");
                    }
                    if (written) {
                        rechecks = RECHECK_NANOS.length;
                        long earliest = lastCheck + MIN_GAP_NANOS;
                        if (!scheduled || earliest - due < 0) {
                            due = earliest;
                            scheduled = true;
                        }
                    }
                }
                long now = System.nanoTime();
                if (scheduled && now - due >= 0) {
                    check();
                    if (rechecks == RECHECK_NANOS.length) {
                        if (now - lastCheck < BURST_NANOS) {
                            burst();
                            now = System.nanoTime();
                        }
                        lastCheck = now; // the gap runs from checks writes caused, not from rechecks
                    }
                    if (rechecks > 0) {
                        due = now + RECHECK_NANOS[RECHECK_NANOS.length - rechecks];
                        rechecks--;
                    } else {
                        scheduled = false;
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            if (!closed) {
                stopped(e.toString());
            }
        } catch (Exception | Error e) {
            if (!closed) {
                stopped(e.toString());
            }
        } finally {
            closeResources();
        }
    }

    /**
     * Writes keep coming (a check writes caused came within {@link #BURST_NANOS} of the last one):
     * stops the inotify events — every commit is several writes to the log, each waking the JDK's
     * watch thread — and checks every {@link #BURST_CHECK_NANOS} instead, until the file has been
     * quiet for {@link #QUIET_CHECKS} checks; then registers again and checks once more, for
     * commits made while no event could come (the caller's rechecks follow).
     */
    private void burst() throws IOException, SQLException {
        watchKey.cancel();
        int quiet = 0;
        while (!closed && quiet < QUIET_CHECKS) {
            LockSupport.parkNanos(BURST_CHECK_NANOS);
            quiet = check() ? 0 : quiet + 1;
        }
        if (!closed) {
            watchKey = register();
            check();
        }
    }

    private WatchKey register() throws IOException {
        return file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_CREATE);
    }

    /** The watch failed while running: consumers go back to their interval, told once so they notice. */
    private void stopped(String why) {
        prompt = false;
        LOG.warn("SQLite store {}: the cross-process append watch stopped ({}); consumers poll at their interval", url, why);
        wakeups.appendedToAll();
    }

    /** Whether another connection committed since the last check; if so tells the streams whose count moved. */
    private boolean check() throws SQLException {
        long version = readDataVersion();
        if (version == lastVersion) {
            return false;
        }
        lastVersion = version;
        List<String> moved = new ArrayList<>();
        readCounts(moved);
        if (!moved.isEmpty() && !mute) {
            wakeups.appended(moved);
        }
        return true;
    }

    private long readDataVersion() throws SQLException {
        queries.incrementAndGet();
        try (ResultSet rs = dataVersion.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Reads every stream's append count; adds those that moved (or appeared with messages) to {@code moved}. */
    private void readCounts(List<String> moved) throws SQLException {
        queries.incrementAndGet();
        try (ResultSet rs = counts.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString(1);
                long appended = rs.getLong(2);
                Long before = lastCounts.put(name, appended);
                if (moved != null && (before == null ? appended > 0 : before != appended)) {
                    moved.add(name);
                }
            }
        }
    }

    private synchronized void closeResources() {
        prompt = false;
        try {
            if (watchService != null) {
                watchService.close();
            }
        } catch (IOException ignored) {
            // closing; nothing to do
        }
        try {
            if (connection != null) {
                connection.close(); // closes its statements
            }
        } catch (SQLException ignored) {
            // closing; nothing to do
        }
    }

    /** Stops the watch: the thread ends at once (its watch service is closed). Idempotent. */
    @Override
    public void close() {
        closed = true;
        prompt = false;
        try {
            if (watchService != null) {
                watchService.close();
            }
        } catch (IOException ignored) {
            // closing; nothing to do
        }
        if (thread == null) {
            closeResources();
        } else if (thread != Thread.currentThread()) {
            try {
                thread.join(1_000); // it closes its connection on its way out
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Test hook: the watch service fails underneath the running thread, as a broken watch would. */
    void breakWatch() throws IOException {
        watchService.close();
    }
}
