package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/** A real store that counts the whole-blob and ranged reads of manifests and packs passing through it. */
final class CountingBlobStore extends ForwardingBlobStore {
    final AtomicInteger manifestGets = new AtomicInteger();
    final AtomicInteger wholePackGets = new AtomicInteger();
    final AtomicInteger rangedPackGets = new AtomicInteger();
    /** Listings of the manifest tree (a name lookup that scans the whole bucket). */
    final AtomicInteger manifestListings = new AtomicInteger();

    CountingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public InputStream get(String blobName) throws IOException {
        if (blobName.startsWith(ManifestNames.ROOT)) {
            manifestGets.incrementAndGet();
        } else if (blobName.startsWith(PackWriter.PREFIX)) {
            wholePackGets.incrementAndGet();
        }
        return delegate.get(blobName);
    }

    @Override
    public InputStream get(String blobName, long offset, long length) throws IOException {
        if (blobName.startsWith(PackWriter.PREFIX)) {
            rangedPackGets.incrementAndGet();
        }
        return delegate.get(blobName, offset, length);
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        countListing(prefix);
        return delegate.list(prefix);
    }

    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        countListing(prefix);
        delegate.forEach(prefix, visitor);
    }

    private void countListing(String prefix) {
        if (prefix.equals(ManifestNames.ROOT)) {
            manifestListings.incrementAndGet();
        }
    }

    void reset() {
        manifestGets.set(0);
        wholePackGets.set(0);
        rangedPackGets.set(0);
        manifestListings.set(0);
    }
}
