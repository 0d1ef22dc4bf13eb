package dev.minibatch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.minibatch.model.InvalidMessageException;
import dev.minibatch.Minibatch;
import dev.minibatch.model.StoreException;
import dev.minibatch.Stream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code minibatch append STREAM [JSON]}: appends one JSON value, or NDJSON lines from stdin in
 * batches (one store round trip per batch, all-or-nothing per batch). A malformed line stops the
 * command with exit code 2 naming the line; every line before it has been appended, nothing from
 * it on. The stream is created if missing.
 */
@Command(name = "append", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Append one JSON value, or NDJSON lines from stdin, to a stream.",
            "The stream is created if missing.",
            "A malformed line stops the command (exit 2) naming the line; the lines before it are appended."})
final class AppendCommand extends BaseCommand {

    private static final ObjectReader READER = JsonOutput.mapper().reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Parameters(index = "0", paramLabel = "STREAM", description = "The stream to append to.")
    String stream;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON",
            description = "One JSON value. Omit it (or write -) to read NDJSON lines from stdin.")
    String json;

    @Option(names = "--batch", defaultValue = "1000", paramLabel = "N",
            description = "Lines appended per store round trip (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--progress", defaultValue = "2s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often a progress line with the rate goes to stderr while reading stdin; 0 = never (default ${DEFAULT-VALUE}).")
    Duration progress;

    @Option(names = {"-q", "--quiet"}, description = "No summary on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw CliException.usage("--batch must be at least 1, was " + batchSize);
        }
        try (Minibatch mb = connect(false)) {
            Stream target = mb.stream(stream);
            if (json != null && !json.equals("-")) {
                target.append(parse(json, "the JSON argument"));
                if (!quiet) {
                    err().println("appended 1 message to '" + stream + "'");
                }
                return Main.OK;
            }
            appendLines(mb, target);
            return Main.OK;
        }
    }

    private static JsonNode parse(String text, String where) {
        try {
            JsonNode node = READER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw CliException.usage(where + ": no JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            String column = e.getLocation() == null || e.getLocation().getColumnNr() < 1 ? ""
                    : ", column " + e.getLocation().getColumnNr();
            throw CliException.usage(where + column + ": malformed JSON: " + jsonProblem(e), e);
        }
    }

    /** Jackson's message without its source-location boilerplate. */
    static String jsonProblem(JsonProcessingException e) {
        String text = Text.firstLine(e.getOriginalMessage());
        int marker = text.indexOf(" (start marker at");
        return marker > 0 ? text.substring(0, marker) : text;
    }

    private void appendLines(Minibatch mb, Stream target) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(root.stdin(), StandardCharsets.UTF_8), 256 * 1024);
        List<JsonNode> batch = new ArrayList<>(batchSize);
        long firstLineOfBatch = 0;
        long lineNo = 0;
        long appended = 0;
        long start = System.nanoTime();
        long nextProgress = progress.isZero() ? Long.MAX_VALUE : start + progress.toNanos();
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = parse(line, "stdin line " + lineNo);
                checkSize(mb, line, node, lineNo);
            } catch (CliException bad) {
                appended += write(target, batch, firstLineOfBatch, lineNo - 1, appended);
                throw CliException.usage(bad.getMessage() + "; " + before(appended, lineNo), bad.getCause());
            }
            if (batch.isEmpty()) {
                firstLineOfBatch = lineNo;
            }
            batch.add(node);
            // a full batch, or a pause in the input (interactive or slow producers): write now
            if (batch.size() >= batchSize || !reader.ready()) {
                appended += write(target, batch, firstLineOfBatch, lineNo, appended);
            }
            long now = System.nanoTime();
            if (now >= nextProgress) {
                err().println("append " + stream + ": " + Text.plural(appended, "message") + ", "
                        + Text.rate(appended, now - start) + " msg/s, line " + Text.count(lineNo));
                nextProgress = now + progress.toNanos();
            }
        }
        appended += write(target, batch, firstLineOfBatch, lineNo, appended);
        long took = System.nanoTime() - start;
        if (!quiet) {
            err().println("appended " + Text.plural(appended, "message") + " to '" + stream + "'"
                    + (took < 1_000_000_000L ? "" : " in " + Text.seconds(took) + " (" + Text.rate(appended, took) + " msg/s)"));
        }
    }

    /** Rejects an over-size line here, so the error can name it (the store would reject the batch). */
    private static void checkSize(Minibatch mb, String line, JsonNode node, long lineNo) throws JsonProcessingException {
        if ((long) line.length() * 3 + 64 < mb.maxMessageBytes()) {
            return; // cannot be over the limit: skip re-encoding
        }
        int bytes = JsonOutput.mapper().writeValueAsBytes(node).length;
        if (bytes > mb.maxMessageBytes()) {
            throw CliException.usage("stdin line " + lineNo + ": message of " + bytes + " bytes exceeds the limit of "
                    + mb.maxMessageBytes() + " bytes");
        }
    }

    private long write(Stream target, List<JsonNode> batch, long fromLine, long toLine, long appendedBefore) {
        if (batch.isEmpty()) {
            return 0;
        }
        try {
            int n = target.appendAll(batch);
            batch.clear();
            return n;
        } catch (InvalidMessageException e) {
            throw CliException.usage("stdin lines " + fromLine + "-" + toLine + ": " + e.getMessage()
                    + "; " + before(appendedBefore, fromLine));
        } catch (StoreException e) {
            throw CliException.failure(e.getMessage() + "; " + before(appendedBefore, fromLine), e);
        }
    }

    private String before(long appended, long lineNo) {
        return "appended to '" + stream + "' before line " + lineNo + ": " + Text.plural(appended, "message")
                + "; nothing from line " + lineNo + " on";
    }
}
