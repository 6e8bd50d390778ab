package io.hydra.runtime.image.archive;

import java.nio.file.Path;
import java.util.List;

import io.hydra.runtime.image.ParsedManifest;

/**
 * One image found in a layout or archive, before it is stored: the manifest bytes as they will be stored, and
 * where each blob's bytes are on disk.
 */
record ImportCandidate(String ref, byte[] manifest, List<Blob> blobs) {
    ImportCandidate {
        manifest = manifest.clone();
        blobs = List.copyOf(blobs);
    }

    record Blob(ParsedManifest.Descriptor descriptor, Path file, String role) {
    }
}
