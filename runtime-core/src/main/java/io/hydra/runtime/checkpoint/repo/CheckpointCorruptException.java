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
    private final java.util.OptionalLong page;

    public CheckpointCorruptException(String containerId, long version, Optional<String> file,
                                      Optional<String> chunkSha256, String problem, Throwable cause) {
        this(containerId, version, file, chunkSha256, java.util.OptionalLong.empty(), problem, cause);
    }

    private CheckpointCorruptException(String containerId, long version, Optional<String> file,
                                       Optional<String> chunkSha256, java.util.OptionalLong page, String problem,
                                       Throwable cause) {
        super(describe(containerId, version, file, chunkSha256, page, problem), cause);
        this.containerId = containerId;
        this.version = version;
        this.file = file;
        this.chunkSha256 = chunkSha256;
        this.page = page;
    }

    /** A page record of a page image; {@code page} is the first page of the file it holds. */
    static CheckpointCorruptException ofPage(String containerId, long version, String file, long page,
                                             String recordSha256, String problem, Throwable cause) {
        return new CheckpointCorruptException(containerId, version, Optional.of(file), Optional.of(recordSha256),
                java.util.OptionalLong.of(page), problem, cause);
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
                                   Optional<String> chunkSha256, java.util.OptionalLong page, String problem) {
        StringBuilder message = new StringBuilder("version ").append(version).append(" of container ")
                .append(containerId).append(": ");
        if (page.isPresent()) {
            message.append("page ").append(page.getAsLong()).append(" of ").append(file.orElse("?"))
                    .append(" (page record ").append(Sha256.abbreviate(chunkSha256.orElse("?"))).append(", which"
                            + " holds it and the pages stored with it) ");
        } else if (chunkSha256.isPresent()) {
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

    /** For a page image, the first page of the file the faulty record holds. */
    public java.util.OptionalLong page() {
        return page;
    }

    /** The full SHA-256 of the chunk at fault; the message carries an abbreviation. */
    public Optional<String> chunkSha256() {
        return chunkSha256;
    }
}
