package io.hydra.spi.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Named blobs. Chunking, compression, hashing, manifests and garbage collection live above this interface in the
 * daemon, so every store gets them; a store only moves bytes, and must:
 * <ul>
 *   <li>make {@link #put} atomic: a reader, or a store reopened after a crash, sees the whole blob or none of it;</li>
 *   <li>check every name with {@link BlobNames#validate} before touching anything;</li>
 *   <li>answer {@link java.nio.file.NoSuchFileException} from {@link #get} for a name that does not exist.</li>
 * </ul>
 */
public interface BlobStore extends AutoCloseable {
    String name();

    /**
     * Stores {@code length} bytes from {@code content} under the name. With {@code ifAbsent}, an existing blob is left
     * as it is and false is returned (conditional create); otherwise an existing blob is replaced.
     */
    boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException;

    InputStream get(String blobName) throws IOException;

    /**
     * {@code length} bytes of the blob from {@code offset} (a ranged read), and never more: a restore fetches only
     * the chunk records it needs out of a pack. Where the blob ends inside the range, the stream gives what exists and
     * then throws {@link java.io.EOFException}; an offset at or past the end gives EOFException at once or on the
     * first read. A negative offset or length is an IllegalArgumentException; a missing blob NoSuchFileException.
     *
     * <p>Stores that can seek or ask for a range (every store shipped does) must override this; the default reads
     * and skips, which is correct but transfers everything before the range.
     */
    default InputStream get(String blobName, long offset, long length) throws IOException {
        checkRange(offset, length);
        InputStream in = get(blobName);
        try {
            in.skipNBytes(offset);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        return new BoundedInputStream(in, length);
    }

    /** The argument check every ranged read makes first. */
    static void checkRange(long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("ranged read of " + length + " bytes from offset " + offset
                    + ": offset and length must not be negative");
        }
    }

    Optional<BlobInfo> stat(String blobName) throws IOException;

    /** Every blob whose name starts with {@code prefix}, sorted by name. */
    List<BlobInfo> list(String prefix) throws IOException;

    /** Receives blobs one at a time from {@link #forEach}. */
    @FunctionalInterface
    interface BlobVisitor {
        void visit(BlobInfo blob) throws IOException;
    }

    /**
     * Every blob whose name starts with {@code prefix}, handed over one at a time in no particular order, so a caller
     * walking a large store never holds its whole listing. A blob put or deleted meanwhile may or may not be seen;
     * the visitor may delete the blob it was handed. Stores that can page through a listing (every store shipped
     * does) must override this; the default lists everything first.
     */
    default void forEach(String prefix, BlobVisitor visitor) throws IOException {
        for (BlobInfo blob : list(prefix)) {
            visitor.visit(blob);
        }
    }

    /** Removes the blob; quiet when it does not exist. */
    void delete(String blobName) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
