package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;

import io.hydra.spi.storage.BlobStore;

/**
 * An injected failure: a real store that lets {@code putsBeforeFailure} puts through and throws on every later one,
 * as a store whose disk fills or whose network drops would. Optionally deletes fail too, like a process that dies
 * and can clean nothing up.
 */
final class FailingBlobStore extends ForwardingBlobStore {
    private final AtomicInteger putsLeft;
    private final boolean deletesFail;

    FailingBlobStore(BlobStore delegate, int putsBeforeFailure, boolean deletesFail) {
        super(delegate);
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
    public void delete(String blobName) throws IOException {
        if (deletesFail) {
            throw new IOException("injected failure: delete of " + blobName + " refused");
        }
        delegate.delete(blobName);
    }
}
