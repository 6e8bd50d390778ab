package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.hydra.spi.storage.BlobStore;

/**
 * One garbage collection pass (the repository holds its write lock meanwhile): brings the index up to date with the
 * store, refuses while any manifest cannot be read, then deletes packs in two phases, because another node sharing
 * the store may be committing a version that reuses an old pack through an index staler than this sync:
 * <ol>
 *   <li>an unreferenced pack older than the cutoff becomes a candidate ({@link GcCandidates}, in the store with the
 *       time, so every node's collection sees it);</li>
 *   <li>a later pass deletes a candidate only once it has been one for the grace period, and only after a fresh
 *       sync taken right before the deletions still shows it unreferenced; a candidate referenced again is
 *       dropped.</li>
 * </ol>
 * With a zero grace there is no window to give, and a new candidate is deleted in the same pass (after the fresh
 * sync). Name markers of containers with no version left go when older than the cutoff. Reads only the manifests
 * the index does not know yet, one at a time.
 */
final class GarbageCollection {
    /** Unreadable manifests named in a refusal. */
    private static final int UNREADABLE_SHOWN = 20;

    private final BlobStore store;
    private final Instant now;
    private final Instant cutoff;
    private final ChunkIndex index;
    private final IndexSync sync;
    private final NameIndex names;

    GarbageCollection(BlobStore store, Instant now, Duration grace, ChunkIndex index, IndexSync sync,
                      NameIndex names) {
        this.store = store;
        this.now = now;
        this.cutoff = now.minus(grace);
        this.index = index;
        this.sync = sync;
        this.names = names;
    }

    GcReport run() throws IOException {
        syncRefusingUnreadable();
        Map<String, Instant> candidates = GcCandidates.read(store);
        Map<String, Instant> seen = new HashMap<>();
        Map<String, Long> due = new TreeMap<>();
        int[] kept = {0};
        int[] waiting = {0};
        store.forEach(PackWriter.PREFIX, pack -> {
            String id = pack.name().substring(PackWriter.PREFIX.length());
            if (index.packReferenced(id)) {
                kept[0]++;
            } else if (pack.modified().isAfter(cutoff)) {
                waiting[0]++;
            } else {
                Instant since = candidates.getOrDefault(id, now);
                seen.put(id, since);
                if (since.isAfter(cutoff)) {
                    waiting[0]++;
                } else {
                    due.put(id, pack.length());
                }
            }
        });
        List<String> removed = new ArrayList<>();
        long removedBytes = 0;
        if (!due.isEmpty()) {
            // The deletion rests on this sync, not the first one: a version committed meanwhile keeps its packs.
            syncRefusingUnreadable();
            for (Map.Entry<String, Long> pack : due.entrySet()) {
                seen.remove(pack.getKey());
                if (index.packReferenced(pack.getKey())) {
                    kept[0]++;
                } else {
                    store.delete(PackWriter.blobName(pack.getKey()));
                    index.packDeleted(pack.getKey());
                    removed.add(pack.getKey());
                    removedBytes += pack.getValue();
                }
            }
        }
        // Referenced again, or gone: no longer candidates.
        if (!seen.equals(candidates)) {
            GcCandidates.write(store, new TreeMap<>(seen));
        }
        names.forEachMarker(marker -> {
            String containerId = NameIndex.containerIdOf(marker.name());
            if (containerId != null && marker.modified().isBefore(cutoff)
                    && !index.anyManifest(ManifestNames.prefix(containerId))) {
                store.delete(marker.name());
                names.forget(marker.name());
            }
        });
        return new GcReport(removed, removedBytes, kept[0], waiting[0]);
    }

    private void syncRefusingUnreadable() throws IOException {
        List<String> unreadable = new ArrayList<>(sync.sync());
        unreadable.addAll(index.unreadable(UNREADABLE_SHOWN));
        if (!unreadable.isEmpty()) {
            throw new IOException("garbage collection refused: manifest(s) cannot be read, so the packs they"
                    + " reference are unknown; repair or delete them: " + String.join("; ", unreadable));
        }
    }
}
