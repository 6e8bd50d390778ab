package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * A real store passed through unchanged, the base of the test wrappers that inject a gate, a failure or a count:
 * each overrides only the calls it changes, so every other call reaches the wrapped store exactly as production's
 * would.
 */
abstract class ForwardingBlobStore implements BlobStore {
    protected final BlobStore delegate;

    protected ForwardingBlobStore(BlobStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        return delegate.put(blobName, content, length, ifAbsent);
    }

    @Override
    public InputStream get(String blobName) throws IOException {
        return delegate.get(blobName);
    }

    @Override
    public InputStream get(String blobName, long offset, long length) throws IOException {
        return delegate.get(blobName, offset, length);
    }

    @Override
    public Optional<BlobInfo> stat(String blobName) throws IOException {
        return delegate.stat(blobName);
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        delegate.forEach(prefix, visitor);
    }

    @Override
    public void delete(String blobName) throws IOException {
        delegate.delete(blobName);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
