package io.hydra.it.cluster;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A container's checkpoint versions as the bucket holds them (S3Proxy's filesystem backend): manifests under
 * {@code manifests/<id>/<version, 20 digits>.json} listing each file's chunks ({@code sha256}, {@code pack},
 * {@code offset}, {@code storedLength}) in {@code packs/<pack>}. A test makes a version unrestorable by damaging
 * a chunk that no older version shares.
 */
final class StoredVersions {
    private final Path bucket;
    private final String containerId;

    StoredVersions(Path bucket, String containerId) {
        this.bucket = bucket;
        this.containerId = containerId;
    }

    Path manifest(long version) {
        return bucket.resolve("manifests").resolve(containerId).resolve(String.format("%020d.json", version));
    }

    /**
     * Overwrites the stored bytes of one chunk of {@code version} that no older version references; returns the
     * chunk's hash. Fails when every chunk is shared (the version could not be damaged alone).
     */
    String corruptUniqueChunk(long version) throws IOException {
        Set<String> older = new HashSet<>();
        try (var manifests = Files.list(manifest(version).getParent())) {
            for (Path m : manifests.toList()) {
                long v = Long.parseLong(m.getFileName().toString().replace(".json", ""));
                if (v < version) {
                    chunks(m).forEach(c -> older.add(c.get("sha256").asText()));
                }
            }
        }
        for (JsonNode chunk : chunks(manifest(version))) {
            if (!older.contains(chunk.get("sha256").asText())) {
                Path pack = bucket.resolve("packs").resolve(chunk.get("pack").asText());
                long offset = chunk.get("offset").asLong();
                int length = chunk.get("storedLength").asInt();
                try (RandomAccessFile file = new RandomAccessFile(pack.toFile(), "rw")) {
                    // past the record's 16-byte header: the payload no longer matches its hash
                    for (long at = offset + 16; at < offset + length; at++) {
                        file.seek(at);
                        int b = file.read();
                        file.seek(at);
                        file.write(b ^ 0x5a);
                    }
                }
                return chunk.get("sha256").asText();
            }
        }
        throw new IllegalStateException("every chunk of version " + version + " is shared with an older one");
    }

    private static Iterable<JsonNode> chunks(Path manifest) throws IOException {
        JsonNode json = ClusterNode.JSON.readTree(manifest.toFile());
        if (!json.has("files")) {
            throw new IllegalStateException("manifest " + manifest + " lists no files (encrypted?): " + json);
        }
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        json.get("files").forEach(f -> f.path("chunks").forEach(all::add));
        return all;
    }
}
