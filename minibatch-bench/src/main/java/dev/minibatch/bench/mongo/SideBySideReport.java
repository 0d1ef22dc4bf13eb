package dev.minibatch.bench.mongo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side report's pieces: compared rows and their ratios, medians and ranges as text,
 * the note on FerretDB, and the BENCHMARKS.md section that {@link MongoSideBySide} rewrites.
 */
final class SideBySideReport {

    static final String SECTION_START = "<!-- mongo-side-by-side:start -->";
    static final String SECTION_END = "<!-- mongo-side-by-side:end -->";

    /** One compared figure: this project's values and the other side's, pair by pair. */
    record Row(String server, String scenario, String unit, List<Double> java, String otherName, List<Double> other,
               String target, Boolean met, String note) {

        List<Double> ratios() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < Math.min(java.size(), other.size()); i++) {
                if (other.get(i) != 0) {
                    r.add(java.get(i) / other.get(i));
                }
            }
            return r;
        }
    }

    /** Why FerretDB's figures look as they do (measured in minibatch-mongo's tests; see its README). */
    static final String FERRETDB_NOTE = "On FerretDB the store claims with lock documents (`claims=locks`, chosen"
            + " automatically: FerretDB's update filters are not atomic under concurrency). What a window costs there is"
            + " per-document writes: FerretDB 1.24's SQLite backend writes every modified document in a transaction of its"
            + " own (one fsync each), and a claim marks each message `processed: true` with its lease (what Python reads) and"
            + " a commit deletes it, so a window of 100 is about 100 transactions for the marks and one to 100 for the delete"
            + " (one `$in` delete when the store measured that cheaper than 100 by `_id`). Python pays the same two writes"
            + " per message (a `findAndModify` and a `delete`, both by `_id`) and one scan per window. Java's candidate reads"
            + " scan the collection too, but are shared by many windows; an idle Java consumer reads at most about five"
            + " times a second. So both sides are bound by the same per-message transactions, and the consume target"
            + " (>= 10x Python on an index-backed server) is out of reach on this server as long as every claimed message"
            + " is marked for Python: FerretDB's SQLite backend is not index-backed beyond `_id`.";

    static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return r;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String fmt1(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String fmt(List<Double> values) {
        if (values.isEmpty()) {
            return "";
        }
        if (values.size() == 1) {
            return fmt1(values.get(0));
        }
        double min = Collections.min(values);
        double max = Collections.max(values);
        return fmt1(median(values)) + " (" + fmt1(min) + "–" + fmt1(max) + ")";
    }

    static String ratio(Row r) {
        List<Double> ratios = r.ratios();
        if (ratios.isEmpty()) {
            return "";
        }
        String m = String.format(Locale.ROOT, "%.2f×", median(ratios));
        if (ratios.size() == 1) {
            return m + " (1 pair)";
        }
        return m + String.format(Locale.ROOT, " (%.2f–%.2f, %d pairs)", Collections.min(ratios), Collections.max(ratios),
                ratios.size());
    }

    /** Replaces the side-by-side section of {@code file} (or appends it), leaving the rest as it is. */
    static void replaceSection(Path file, String section) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "";
        int start = text.indexOf(SECTION_START);
        int end = text.indexOf(SECTION_END);
        if (start >= 0 && end > start) {
            text = text.substring(0, start) + section.strip() + "\n" + text.substring(end + SECTION_END.length()).replaceFirst("^\n", "");
        } else {
            text = text.stripTrailing() + "\n\n" + section;
        }
        Files.writeString(file, text);
    }

    /** The side-by-side section of {@code file}, or "" (EndToEnd keeps it when it rewrites the file). */
    static String existingSection(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        String text = Files.readString(file);
        int start = text.indexOf(SECTION_START);
        int end = text.indexOf(SECTION_END);
        return start >= 0 && end > start ? "\n" + text.substring(start, end + SECTION_END.length()) + "\n" : "";
    }

    private SideBySideReport() {
    }
}
