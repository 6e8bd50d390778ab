package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Content-defined chunking for CRIU page images, FastCDC style, with cut points only on 4096-byte boundaries.
 *
 * <p>CRIU writes memory page by page, and a process changes memory page by page, so a cut inside a page buys no
 * dedup and costs hashing every byte. At each page boundary the chunker takes a gear hash of the page just read
 * (one gear step per 8-byte word: rotate, add a table entry chosen by the word) and cuts when the mixed hash falls
 * under a threshold. The decision depends only on that page and on the current chunk's length, so after an unchanged
 * page run the cut points fall where they fell in the previous version, and inserted pages shift the cuts along with
 * the data instead of changing every chunk after them.
 *
 * <p>Sizes: at least {@link #MIN_CHUNK} (no cut is considered before), at most {@link #MAX_CHUNK} (forced cut),
 * about {@link #AVERAGE_CHUNK} on average. As in FastCDC's normalized chunking the cut probability is low below the
 * average and high above it, which narrows the size spread: fewer huge chunks re-uploaded for a small change.
 * A file shorter than the minimum is one chunk; the last chunk of a file may be shorter than the minimum.
 *
 * <p>The gear table, the mixing and the thresholds decide where every chunk starts: changing any of them makes new
 * checkpoints share nothing with old ones. They are part of the format.
 *
 * <p>The gear hash and the mixing are not cryptographic, and need not be: they only choose where chunks end, which
 * decides how well versions dedup, never what is trusted. Integrity rests on each chunk's SHA-256 (or keyed hash),
 * computed once on the hashing pool, and on the file's {@link MerkleRoot} of those.
 */
final class Chunker {
    static final int PAGE = 4096;
    static final int MIN_CHUNK = 16 * 1024;
    static final int AVERAGE_CHUNK = 64 * 1024;
    static final int MAX_CHUNK = 256 * 1024;

    /** Cut probability per page boundary below the average size: 1/24. */
    private static final long STRICT_THRESHOLD = Long.divideUnsigned(-1L, 24);
    /** Cut probability per page boundary from the average size on: 1/6. Mean chunk size comes out near 64 KiB. */
    private static final long LOOSE_THRESHOLD = Long.divideUnsigned(-1L, 6);
    private static final long[] GEAR = gearTable();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final InputStream in;
    private final byte[] buffer = new byte[MAX_CHUNK];
    private long bytesRead;
    private boolean ended;

    /** {@code in} should be buffered; the chunker reads it one page at a time. */
    Chunker(InputStream in) {
        this.in = in;
    }

    /** The next chunk's bytes (a fresh array of exactly its length), or null when the stream has ended. */
    byte[] next() throws IOException {
        if (ended) {
            return null;
        }
        int length = 0;
        while (true) {
            int n = in.readNBytes(buffer, length, PAGE);
            bytesRead += n;
            length += n;
            if (n < PAGE) {
                ended = true;
                return length == 0 ? null : Arrays.copyOf(buffer, length);
            }
            if (length >= MAX_CHUNK || (length >= MIN_CHUNK && isCut(buffer, length - PAGE, length))) {
                return Arrays.copyOf(buffer, length);
            }
        }
    }

    long bytesRead() {
        return bytesRead;
    }

    /** Whether a chunk of {@code length} bytes may end after the page at {@code pageOffset}. */
    static boolean isCut(byte[] data, int pageOffset, int length) {
        long hash = 0;
        for (int i = pageOffset; i < pageOffset + PAGE; i += Long.BYTES) {
            long word = (long) LONGS.get(data, i);
            hash = Long.rotateLeft(hash, 1) + (GEAR[(int) ((word * 0x9E3779B97F4A7C15L) >>> 56)] ^ word);
        }
        long threshold = length < AVERAGE_CHUNK ? STRICT_THRESHOLD : LOOSE_THRESHOLD;
        return Long.compareUnsigned(mix(hash), threshold) < 0;
    }

    /** MurmurHash3's finalizer: every input bit reaches every output bit, so the threshold test is fair. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** SplitMix64 from a fixed seed, written out so the table never depends on a library's generator. */
    private static long[] gearTable() {
        long[] table = new long[256];
        long state = 0x4879647261434443L; // "HydraCDC"
        for (int i = 0; i < table.length; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
