package dev.minibatch.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Number, rate and time formatting for human-readable output. */
final class Text {
    private Text() {
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code n} per second over {@code nanos}, rounded for reading: 12,345 or 3.4. */
    static String rate(long n, long nanos) {
        if (nanos <= 0) {
            return "-";
        }
        return number(n * 1e9 / nanos);
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "-";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    static String plural(long n, String word) {
        return count(n) + " " + word + (n == 1 ? "" : "s");
    }

    /** How long ago, e.g. {@code 4s ago}, {@code 3m ago}. */
    static String ago(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        Duration d = Duration.between(then, now);
        if (d.isNegative()) {
            return "just now";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return s + "s ago";
        }
        if (s < 3600) {
            return (s / 60) + "m ago";
        }
        if (s < 86_400) {
            return (s / 3600) + "h ago";
        }
        return (s / 86_400) + "d ago";
    }

    /** {@code 500ms}, {@code 1s}, {@code 1.5s}, {@code 2m}: how a user would write it. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 60_000 == 0) {
            return (ms / 60_000) + "m";
        }
        return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(Locale.ROOT, "%.3fs", ms / 1000.0).replaceAll("0+s$", "s");
    }

    /** An emitter as a user would name it, e.g. {@code FixedTimeWindow(1s)} rather than {@code (PT1S)}. */
    static String emitter(Object emitter) {
        String text = String.valueOf(emitter);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((PT[0-9.HMS]+)\\)").matcher(text);
        if (m.find()) {
            try {
                return text.substring(0, m.start()) + "(" + duration(Duration.parse(m.group(1))) + ")" + text.substring(m.end());
            } catch (RuntimeException e) {
                return text;
            }
        }
        return text;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
