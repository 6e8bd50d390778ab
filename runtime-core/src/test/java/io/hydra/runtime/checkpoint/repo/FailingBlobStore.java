package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * An injected failure: a real store that lets {@code putsBeforeFailure} puts through and throws on every later one,
 * as a store whose disk fills or whose network drops would. Optionally deletes fail too, like a process that dies
 * and can clean nothing up.
 */
final class FailingBlobStore implements BlobStore {
    private final BlobStore delegate;
    private final AtomicInteger putsLeft;
    private final boolean deletesFail;

    FailingBlobStore(BlobStore delegate, int putsBeforeFailure, boolean deletesFail) {
        this.delegate = delegate;
        this.putsLeft = new AtomicInteger(putsBeforeFailure);
        this.deletesFail = deletesFail;
    }

    @Override
    public String name() {
        return "failing-" + delegate.name();
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        if (putsLeft.getAndDecrement() <= 0) {
            throw new IOException("injected failure: put of " + blobName + " refused");
        }
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
    public void delete(String blobName) throws IOException {
        if (deletesFail) {
            throw new IOException("injected failure: delete of " + blobName + " refused");
        }
        delegate.delete(blobName);
    }
}
