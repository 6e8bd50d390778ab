package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;

import io.hydra.spi.storage.BlobStore;

/**
 * A real store whose manifest puts wait at a gate: an upload can be held after its packs are stored and before its
 * manifest is committed, the window garbage collection must respect.
 */
final class GatedBlobStore extends ForwardingBlobStore {
    final CountDownLatch manifestPutReached = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);

    GatedBlobStore(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public String name() {
        return "gated-" + delegate.name();
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        if (blobName.startsWith("manifests/")) {
            Gates.holdAt(manifestPutReached, gate, 30);
        }
        return delegate.put(blobName, content, length, ifAbsent);
    }
}
