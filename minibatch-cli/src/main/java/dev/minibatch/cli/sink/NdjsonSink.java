package dev.minibatch.cli.sink;

import dev.minibatch.model.Window;
import dev.minibatch.cli.JsonOutput;
import dev.minibatch.spi.connector.Sink;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes results as newline-delimited JSON: one window envelope per line ({@link Format#WINDOW},
 * see {@link JsonOutput#window}) or one line per value ({@link Format#VALUES}, so the output can be
 * piped into {@code minibatch append}).
 *
 * <p>{@link #flush()} pushes the lines out (and, for files, forces them to disk) before the
 * consumer commits the window; a closed or failing output makes it throw, so the window is
 * retried rather than lost. Thread-safe: puts from several workers are serialised.
 */
public final class NdjsonSink implements Sink {

    /** What one line holds. */
    public enum Format {
        /** The window envelope with its data. */
        WINDOW,
        /** Each value of the window's data (or the result's elements) on its own line. */
        VALUES
    }

    private final Writer out;
    private final FileOutputStream file;
    private final boolean closeOutput;
    private final Format format;
    private final String description;

    private NdjsonSink(Writer out, FileOutputStream file, boolean closeOutput, Format format, String description) {
        this.out = out;
        this.file = file;
        this.closeOutput = closeOutput;
        this.format = format;
        this.description = description;
    }

    /** Writes to a writer the caller keeps (e.g. the command's stdout); close leaves it open. */
    public static NdjsonSink to(Writer writer, Format format, String description) {
        return new NdjsonSink(writer, null, false, format, description);
    }

    /** Appends to (or replaces) a file, creating its directories; flush forces it to disk. */
    public static NdjsonSink toFile(Path path, boolean append, Format format) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileOutputStream stream = new FileOutputStream(path.toFile(), append);
        Writer writer = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
        return new NdjsonSink(new java.io.BufferedWriter(writer, 64 * 1024), stream, true, format, "file " + path);
    }

    @Override
    public synchronized void put(Object message) throws IOException {
        if (format == Format.VALUES && message instanceof Iterable<?> values) {
            for (Object v : values) {
                writeLine(JsonOutput.line(v));
            }
        } else {
            writeLine(JsonOutput.line(message));
        }
    }

    @Override
    public synchronized void put(Object message, Window window) throws IOException {
        if (format == Format.WINDOW) {
            writeLine(JsonOutput.line(JsonOutput.window(window, message)));
        } else {
            put(message);
        }
    }

    private void writeLine(String json) throws IOException {
        out.write(json);
        out.write('\n');
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
        if (out instanceof PrintWriter pw && pw.checkError()) {
            throw new IOException(description + " is closed or failing");
        }
        if (file != null) {
            file.getFD().sync();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closeOutput) {
            out.close();
        } else {
            out.flush();
        }
    }

    @Override
    public String toString() {
        return "NdjsonSink[" + description + ", " + format + "]";
    }
}
