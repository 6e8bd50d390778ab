package io.hydra.spi.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Named blobs. Chunking, compression, hashing and manifests live above this interface in the daemon, so every
 * store gets them; a store only moves bytes. Names are relative, slash-separated, without {@code ..}.
 */
public interface BlobStore extends AutoCloseable {
    String name();

    /** Stores the blob; when {@code ifAbsent} is true and the name exists, leaves it and returns false. */
    boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException;

    InputStream get(String blobName) throws IOException;

    Optional<BlobInfo> stat(String blobName) throws IOException;

    List<BlobInfo> list(String prefix) throws IOException;

    void delete(String blobName) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
