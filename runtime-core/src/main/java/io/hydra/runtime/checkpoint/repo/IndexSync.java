package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * Brings the on-disk {@link ChunkIndex} up to date with the store: lists the manifests (names, lengths, times only,
 * streamed into the index file), and reads, one at a time, just those the index does not hold yet or holds in
 * another version. On a fresh root that
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
        index.beginBulk();
        try {
            index.startListing();
            store.forEach(ManifestNames.ROOT, info -> {
                if (ManifestNames.parse(info.name()) != null) {
                    index.listed(info);
                }
            });
            index.dropUnlisted();
        } finally {
            index.endBulk();
        }
        List<String> failed = new ArrayList<>();
        try {
            String after = "";
            for (List<BlobInfo> page = index.toRead(after, MANIFESTS_PER_COMMIT); !page.isEmpty();
                 page = index.toRead(after, MANIFESTS_PER_COMMIT)) {
                index.beginBulk();
                try {
                    for (BlobInfo info : page) {
                        readInto(info, failed);
                    }
                } finally {
                    index.endBulk();
                }
                after = page.get(page.size() - 1).name();
            }
        } finally {
            index.endListing();
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
