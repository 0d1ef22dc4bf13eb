package dev.minibatch.kafka.store;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.BitSet;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The records of a partition committed ahead of its committed offset, carried in the offset's
 * metadata. An ordered consumer's windows (keyed ones above all) commit a partition's records out of
 * offset order: a window of one key commits while an earlier record of another key is still pending.
 * The group's offset can only say "everything before this one is done", so the transaction that
 * commits a window also commits, in the offset's metadata, which later records are done too; the
 * next owner of the partition skips those when it fetches them. So no window waits for another, and
 * none is applied twice after a crash or a hand-over.
 *
 * <p>Encoding: {@value #PREFIX} + base64 of the deflated bitmap whose bit {@code i} stands for offset
 * {@code committed + i}. Kafka keeps up to {@code offset.metadata.max.bytes} (4,096 by default) of
 * metadata; {@link #fits} tells whether an encoding does.
 */
final class DoneAhead {

    static final String PREFIX = "mb-done:";
    /** What the broker keeps by default ({@code offset.metadata.max.bytes}). */
    static final int MAX_METADATA = 4096;

    private DoneAhead() {
    }

    /** The metadata for the offsets in {@code done} (bit i: offset {@code committed + i}); empty when none. */
    static String encode(BitSet done) {
        if (done.isEmpty()) {
            return "";
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        try {
            deflater.setInput(done.toByteArray());
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[1024];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return PREFIX + Base64.getEncoder().encodeToString(out.toByteArray());
        } finally {
            deflater.end();
        }
    }

    static boolean fits(String metadata) {
        return metadata.length() <= MAX_METADATA;
    }

    /** The bitmap of an offset's metadata (empty when it has none, or metadata of another writer). */
    static BitSet decode(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return new BitSet();
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(Base64.getDecoder().decode(metadata.substring(PREFIX.length())));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(chunk, 0, n);
            }
            return BitSet.valueOf(out.toByteArray());
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalStateException("offset metadata '" + metadata + "' is not minibatch's record of records"
                    + " done ahead of the offset: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
