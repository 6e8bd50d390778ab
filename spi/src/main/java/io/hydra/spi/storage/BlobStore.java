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
     * {@code length} bytes of the blob from {@code offset} (a ranged read). Stores that can seek or ask for a
     * range should override this; the default reads and skips.
     */
    default InputStream get(String blobName, long offset, long length) throws IOException {
        InputStream in = get(blobName);
        in.skipNBytes(offset);
        return new BoundedInputStream(in, length);
    }

    Optional<BlobInfo> stat(String blobName) throws IOException;

    /** Every blob whose name starts with {@code prefix}, sorted by name. */
    List<BlobInfo> list(String prefix) throws IOException;

    /** Removes the blob; quiet when it does not exist. */
    void delete(String blobName) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
