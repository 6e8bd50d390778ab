package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * Brings the on-disk {@link ChunkIndex} up to date with the store: lists the manifests (names, lengths, times only),
 * and reads, one at a time, just those the index does not hold yet or holds in another version. On a fresh root that
 * is every manifest once; afterwards only what other processes committed meanwhile.
 */
final class IndexSync {
    /** Manifests recorded per index transaction while catching up. */
    private static final int MANIFESTS_PER_COMMIT = 100;

    private final BlobStore store;
    private final ManifestCodec codec;
    private final ManifestReader reader;
    private final ChunkIndex index;

    IndexSync(BlobStore store, ManifestCodec codec, ManifestReader reader, ChunkIndex index) {
        this.store = store;
        this.codec = codec;
        this.reader = reader;
        this.index = index;
    }

    /**
     * Returns the manifests that could not be read this time (the store failed, not the manifest), each "name:
     * problem": they are not recorded, so the next sync tries again. Manifests that do not parse are recorded as
     * unreadable ({@link ChunkIndex#unreadable}).
     */
    List<String> sync() throws IOException {
        List<BlobInfo> listed = new ArrayList<>();
        for (BlobInfo info : store.list(ManifestNames.ROOT)) {
            if (ManifestNames.parse(info.name()) != null) {
                listed.add(info);
            }
        }
        List<String> failed = new ArrayList<>();
        List<BlobInfo> toRead = index.reconcile(listed);
        for (int from = 0; from < toRead.size(); from += MANIFESTS_PER_COMMIT) {
            index.beginBulk();
            try {
                for (BlobInfo info : toRead.subList(from, Math.min(toRead.size(), from + MANIFESTS_PER_COMMIT))) {
                    readInto(info, failed);
                }
            } finally {
                index.endBulk();
            }
        }
        return failed;
    }

    /** One manifest at a time: it is garbage once its rows are in the index. */
    private void readInto(BlobInfo info, List<String> failed) {
        ManifestNames.Parsed parsed = ManifestNames.parse(info.name());
        try {
            ManifestCodec.Read read = codec.read(reader.read(parsed.containerId(), parsed.version()),
                    parsed.containerId(), parsed.version());
            index.add(info.name(), info.length(), info.modified(), read.manifest(), read.authentic());
        } catch (CheckpointNotFoundException e) {
            // Deleted since the listing: it references nothing any more.
        } catch (CheckpointCorruptException e) {
            index.addUnreadable(info.name(), info.length(), info.modified(), e.getMessage());
        } catch (IOException e) {
            failed.add(info.name() + ": " + e.getMessage());
        }
    }
}
