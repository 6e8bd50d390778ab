package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.hydra.spi.storage.BlobStore;

/**
 * The packs garbage collection found unreferenced, each with the time it first did so, kept in the store so that
 * every node's collection sees them: a pack is deleted only once it has been a candidate for the grace period, which
 * gives a node uploading with a stale index time to commit a version that references it again.
 *
 * <p>Format: the line {@link #FORMAT}, then one {@code <pack id> <epoch millis>} line per candidate. Losing an update
 * to a concurrent collection only delays a deletion; the deletion itself always rests on a fresh sync.
 */
final class GcCandidates {
    static final String BLOB = "gc/candidates";
    static final String FORMAT = "hydra-gc-candidates 1";
    /** Bounds the read: about a million candidates of 64-character pack ids. */
    private static final int MAX_BYTES = 128 * 1024 * 1024;
    private static final Pattern PACK_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.=-]{0,199}");

    private GcCandidates() {
    }

    /** Candidate pack id to the time it became one; empty when no collection recorded any yet. */
    static Map<String, Instant> read(BlobStore store) throws IOException {
        byte[] body;
        try (InputStream in = store.get(BLOB)) {
            body = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        }
        if (body.length > MAX_BYTES) {
            throw malformed("larger than " + MAX_BYTES + " bytes");
        }
        String[] lines = new String(body, StandardCharsets.US_ASCII).split("\n");
        if (!lines[0].equals(FORMAT)) {
            throw malformed("first line is not '" + FORMAT + "'");
        }
        Map<String, Instant> candidates = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].split(" ");
            if (fields.length != 2 || !PACK_ID.matcher(fields[0]).matches()) {
                throw malformed("line " + (i + 1) + " is not '<pack id> <epoch millis>'");
            }
            try {
                candidates.put(fields[0], Instant.ofEpochMilli(Long.parseLong(fields[1])));
            } catch (NumberFormatException | DateTimeException e) {
                throw malformed("line " + (i + 1) + " has no valid time");
            }
        }
        return candidates;
    }

    static void write(BlobStore store, Map<String, Instant> candidates) throws IOException {
        StringBuilder text = new StringBuilder(FORMAT).append('\n');
        candidates.forEach((pack, since) -> text.append(pack).append(' ').append(since.toEpochMilli()).append('\n'));
        byte[] body = text.toString().getBytes(StandardCharsets.US_ASCII);
        store.put(BLOB, new ByteArrayInputStream(body), body.length, false);
    }

    private static IOException malformed(String problem) {
        return new IOException("garbage collection refused: the candidate list " + BLOB + " is malformed (" + problem
                + "); delete it to start candidate tracking over (pending deletions then wait one grace period more)");
    }
}
