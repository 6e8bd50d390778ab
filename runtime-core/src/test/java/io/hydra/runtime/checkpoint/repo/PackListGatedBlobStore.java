package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * A real store whose next listing of the packs, once armed, waits at a gate: holds a garbage collection after its
 * first sync and before it walks the packs, the window in which another node commits a version.
 */
final class PackListGatedBlobStore extends ForwardingBlobStore {
    private final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch packListReached = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    PackListGatedBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void arm() {
        armed.set(true);
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        holdIfArmed(prefix);
        return delegate.list(prefix);
    }

    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        holdIfArmed(prefix);
        delegate.forEach(prefix, visitor);
    }

    private void holdIfArmed(String prefix) throws IOException {
        if (prefix.equals(PackWriter.PREFIX) && armed.compareAndSet(true, false)) {
            Gates.holdAt(packListReached, gate, 60);
        }
    }
}
