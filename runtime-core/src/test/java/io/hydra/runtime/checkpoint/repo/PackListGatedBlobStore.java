package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * A real store whose next listing of the packs, once armed, waits at a gate: holds a garbage collection after its
 * first sync and before it walks the packs, the window in which another node commits a version.
 */
final class PackListGatedBlobStore implements BlobStore {
    private final BlobStore delegate;
    private final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch packListReached = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    PackListGatedBlobStore(BlobStore delegate) {
        this.delegate = delegate;
    }

    void arm() {
        armed.set(true);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        if (prefix.equals(PackWriter.PREFIX) && armed.compareAndSet(true, false)) {
            packListReached.countDown();
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }
        return delegate.list(prefix);
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
    public void delete(String blobName) throws IOException {
        delegate.delete(blobName);
    }
}
