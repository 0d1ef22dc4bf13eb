package dev.minibatch.internal;

/** URL helpers. */
public final class Urls {
    private Urls() {
    }

    /** The URL with any {@code user:password@} password replaced, so it can be logged and shown. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(//[^/@:]*):[^/@]*@", "$1:***@");
    }

    /** The scheme of a URL ({@code sqlite} for {@code sqlite:/tmp/x.db}), lower case, or null. */
    public static String scheme(String url) {
        int colon = url.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String scheme = url.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        return scheme.matches("[a-z][a-z0-9+.-]*") ? scheme : null;
    }
}
