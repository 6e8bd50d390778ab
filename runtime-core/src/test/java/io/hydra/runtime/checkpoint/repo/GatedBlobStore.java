package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * A real store whose manifest puts wait at a gate: an upload can be held after its packs are stored and before its
 * manifest is committed, the window garbage collection must respect.
 */
final class GatedBlobStore implements BlobStore {
    private final BlobStore delegate;
    final CountDownLatch manifestPutReached = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    GatedBlobStore(BlobStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "gated-" + delegate.name();
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        if (blobName.startsWith("manifests/")) {
            manifestPutReached.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
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
        delegate.delete(blobName);
    }
}
