package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.hydra.spi.storage.BlobStore;

/**
 * One garbage collection pass (the repository holds its write lock meanwhile): brings the index up to date with the
 * store, refuses while any manifest cannot be read, then deletes the packs no manifest references and the name
 * markers of containers with no version left, both only when older than the cutoff (another process may be uploading
 * for a manifest it has not committed yet). Reads only the manifests the index does not know yet, one at a time.
 */
final class GarbageCollection {
    /** Unreadable manifests named in a refusal. */
    private static final int UNREADABLE_SHOWN = 20;

    private final BlobStore store;
    private final Instant cutoff;
    private final ChunkIndex index;
    private final IndexSync sync;
    private final NameIndex names;

    GarbageCollection(BlobStore store, Instant cutoff, ChunkIndex index, IndexSync sync, NameIndex names) {
        this.store = store;
        this.cutoff = cutoff;
        this.index = index;
        this.sync = sync;
        this.names = names;
    }

    GcReport run() throws IOException {
        List<String> unreadable = new ArrayList<>(sync.sync());
        unreadable.addAll(index.unreadable(UNREADABLE_SHOWN));
        if (!unreadable.isEmpty()) {
            throw new IOException("garbage collection refused: manifest(s) cannot be read, so the packs they"
                    + " reference are unknown; repair or delete them: " + String.join("; ", unreadable));
        }
        List<String> removed = new ArrayList<>();
        long[] removedBytes = {0};
        int[] kept = {0};
        int[] young = {0};
        store.forEach(PackWriter.PREFIX, pack -> {
            String id = pack.name().substring(PackWriter.PREFIX.length());
            if (index.packReferenced(id)) {
                kept[0]++;
            } else if (pack.modified().isAfter(cutoff)) {
                young[0]++;
            } else {
                store.delete(pack.name());
                index.packDeleted(id);
                removed.add(id);
                removedBytes[0] += pack.length();
            }
        });
        names.forEachMarker(marker -> {
            String containerId = NameIndex.containerIdOf(marker.name());
            if (containerId != null && marker.modified().isBefore(cutoff)
                    && !index.anyManifest(ManifestNames.prefix(containerId))) {
                store.delete(marker.name());
                names.forget(marker.name());
            }
        });
        removed.sort(null);
        return new GcReport(removed, removedBytes[0], kept[0], young[0]);
    }
}
