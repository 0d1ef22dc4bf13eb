package dev.minibatch.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The version of the minibatch core in use, as plugins see it. A plugin's {@code Plugin-Requires}
 * manifest entry (a SemVer range such as {@code >=0.1.0}) is checked against {@link #semver()}.
 *
 * <p>Pre-release and build suffixes are dropped for that check ({@code 0.1.0-SNAPSHOT} counts as
 * {@code 0.1.0}): under SemVer rules {@code 0.1.0-SNAPSHOT} is below {@code 0.1.0}, so a plugin built
 * for the 0.1.0 API would otherwise be refused by the very core it was built against. Stateless and
 * thread-safe.
 */
public final class CoreVersion {

    private static final Logger LOG = LoggerFactory.getLogger(CoreVersion.class);
    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");
    private static final String RESOURCE = "/dev/minibatch/minibatch-core.properties";
    private static volatile String version;

    private CoreVersion() {
    }

    /** The core's Maven version, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} when not packaged. */
    public static String version() {
        String v = version;
        if (v == null) {
            v = read();
            version = v;
        }
        return v;
    }

    /**
     * The core's version as {@code major.minor.patch}, the value plugin requirements are checked
     * against; {@code 0.0.0} when unknown, which PF4J takes as "do not check".
     */
    public static String semver() {
        return semver(version());
    }

    /** {@code major.minor.patch} of a Maven-style version; {@code 0.0.0} if it has none. */
    static String semver(String mavenVersion) {
        Matcher m = RELEASE.matcher(mavenVersion == null ? "" : mavenVersion.trim());
        if (!m.matches()) {
            return "0.0.0";
        }
        return Integer.parseInt(m.group(1)) + "." + Integer.parseInt(m.group(2)) + "."
                + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    private static String read() {
        try (InputStream in = CoreVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                LOG.warn("{} is missing; plugin version requirements are not checked", RESOURCE);
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            if (v.isEmpty() || v.startsWith("${")) {
                // an unfiltered resource (running from an IDE without Maven's resource filtering)
                LOG.warn("{} holds no version; plugin version requirements are not checked", RESOURCE);
                return "unknown";
            }
            return v;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; plugin version requirements are not checked", RESOURCE, e.toString());
            return "unknown";
        }
    }
}
