package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;

import io.hydra.spi.storage.BlobStore;

/** Reads one manifest blob, never more than a reader accepts: manifests are read one at a time, never all at once. */
final class ManifestReader {
    private final BlobStore store;

    ManifestReader(BlobStore store) {
        this.store = store;
    }

    byte[] read(String containerId, long version) throws IOException {
        String name = ManifestNames.blobName(containerId, version);
        try (InputStream in = store.get(name)) {
            byte[] json = in.readNBytes(ManifestCodec.MAX_MANIFEST_BYTES + 1);
            if (json.length > ManifestCodec.MAX_MANIFEST_BYTES) {
                throw CheckpointCorruptException.ofManifest(containerId, version, "manifest refused: larger than "
                        + ManifestCodec.MAX_MANIFEST_BYTES + " bytes", null);
            }
            return json;
        } catch (NoSuchFileException e) {
            throw new CheckpointNotFoundException(containerId, version);
        }
    }
}
