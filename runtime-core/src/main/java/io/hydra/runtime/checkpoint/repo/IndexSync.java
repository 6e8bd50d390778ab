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
        for (BlobInfo info : index.reconcile(listed)) {
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
        return failed;
    }
}
