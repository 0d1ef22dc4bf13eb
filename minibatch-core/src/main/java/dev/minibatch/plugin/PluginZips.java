package dev.minibatch.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks plugin zips into {@code <plugins folder>/.unpacked/<name>-<content hash>/}. The hidden
 * folder is not itself scanned for plugins, so replacing {@code kafka-0.1.zip} by
 * {@code kafka-0.2.zip} never leaves a stale copy that would load as a second plugin (PF4J's own
 * habit of unpacking next to the zip does). Content-addressed and moved into place atomically, so
 * processes that start together share one copy and never see a half-written one. When the plugins
 * folder is read-only, a private temporary folder is used instead and removed when the JVM exits.
 *
 * <p>Stateless apart from that lazily created fallback folder; thread-safe.
 */
final class PluginZips {

    static final String UNPACKED = ".unpacked";
    private static volatile Path privateFallback;

    private PluginZips() {
    }

    static boolean isZip(Path file) {
        return Files.isRegularFile(file) && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip");
    }

    static boolean isJar(Path file) {
        return Files.isRegularFile(file) && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    /** The folder holding {@code zip}'s contents, unpacking it first if needed. */
    static Path unpack(Path zip) throws IOException {
        String name = zip.getFileName().toString();
        String base = name.substring(0, name.length() - ".zip".length());
        String key = base + "-" + hash(zip);
        Path root = zip.getParent().resolve(UNPACKED);
        Path target = root.resolve(key);
        if (Files.isDirectory(target)) {
            return target; // same content already unpacked (the name carries its hash)
        }
        boolean writable;
        try {
            Files.createDirectories(root);
            writable = Files.isWritable(root);
        } catch (IOException e) {
            writable = false;
        }
        return unpackInto(zip, (writable ? root : fallback()).resolve(key));
    }

    private static Path unpackInto(Path zip, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            return target; // same content already unpacked (the name carries its hash)
        }
        Path staging = Files.createTempDirectory(target.getParent(), ".staging-");
        try {
            extract(zip, staging);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staging, target);
            }
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
            // another process unpacked the same zip first: its copy is identical
        } finally {
            if (Files.exists(staging)) {
                deleteTree(staging);
            }
        }
        return target;
    }

    private static void extract(Path zip, Path into) throws IOException {
        Path root = into.toAbsolutePath().normalize();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            boolean any = false;
            while ((entry = in.getNextEntry()) != null) {
                any = true;
                Path out = root.resolve(entry.getName()).normalize();
                if (!out.startsWith(root)) {
                    throw new IOException("entry '" + entry.getName() + "' points outside the plugin folder");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!any) {
                throw new IOException("it is empty or not a zip file");
            }
        }
    }

    private static String hash(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static synchronized Path fallback() throws IOException {
        if (privateFallback == null) {
            Path dir = Files.createTempDirectory("minibatch-plugins-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "minibatch-plugins-cleanup"));
            privateFallback = dir;
        }
        return privateFallback;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover staging folder is harmless and hidden
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
