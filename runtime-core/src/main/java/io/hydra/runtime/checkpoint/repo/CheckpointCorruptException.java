package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.util.Optional;

/**
 * A checkpoint version read back from storage failed verification: its manifest is invalid or its MAC is missing or
 * wrong, or a chunk is missing, truncated, malformed or does not hash to what the manifest says. The message names
 * the container, the version and, where known, the file and the chunk; nothing was left at the restore target.
 */
public class CheckpointCorruptException extends IOException {
    private final String containerId;
    private final long version;
    private final Optional<String> file;
    private final Optional<String> chunkSha256;

    public CheckpointCorruptException(String containerId, long version, Optional<String> file,
                                      Optional<String> chunkSha256, String problem, Throwable cause) {
        super(describe(containerId, version, file, chunkSha256, problem), cause);
        this.containerId = containerId;
        this.version = version;
        this.file = file;
        this.chunkSha256 = chunkSha256;
    }

    static CheckpointCorruptException ofManifest(String containerId, long version, String problem, Throwable cause) {
        return new CheckpointCorruptException(containerId, version, Optional.empty(), Optional.empty(), problem,
                cause);
    }

    static CheckpointCorruptException ofFile(String containerId, long version, String file, String problem) {
        return new CheckpointCorruptException(containerId, version, Optional.of(file), Optional.empty(), problem,
                null);
    }

    static CheckpointCorruptException ofChunk(String containerId, long version, String file, String chunkSha256,
                                              String problem, Throwable cause) {
        return new CheckpointCorruptException(containerId, version, Optional.of(file), Optional.of(chunkSha256),
                problem, cause);
    }

    private static String describe(String containerId, long version, Optional<String> file,
                                   Optional<String> chunkSha256, String problem) {
        StringBuilder message = new StringBuilder("version ").append(version).append(" of container ")
                .append(containerId).append(": ");
        if (chunkSha256.isPresent()) {
            message.append("chunk ").append(Sha256.abbreviate(chunkSha256.get())).append(" of ")
                    .append(file.orElse("?")).append(' ');
        } else if (file.isPresent()) {
            message.append("file ").append(file.get()).append(' ');
        }
        return message.append(problem).toString();
    }

    public String containerId() {
        return containerId;
    }

    public long version() {
        return version;
    }

    public Optional<String> file() {
        return file;
    }

    /** The full SHA-256 of the chunk at fault; the message carries an abbreviation. */
    public Optional<String> chunkSha256() {
        return chunkSha256;
    }
}
