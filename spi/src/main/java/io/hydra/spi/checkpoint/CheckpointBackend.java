package io.hydra.spi.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Takes a running container's processes into a local image directory. Restoring goes through a monitor (so the
 * restored container is supervised like any other); the backend says which runtime options that restore needs.
 */
public interface CheckpointBackend extends AutoCloseable {
    String name();

    /** What this host can do, probed when the backend was created, never assumed. */
    CheckpointCapabilities capabilities();

    /** Dumps the container into the request's image directory. On failure the container keeps running. */
    CheckpointResult checkpoint(CheckpointRequest request) throws CheckpointException;

    /** Options for the runtime's restore command matching an image taken with {@code options}. */
    List<String> restoreOptions(CheckpointOptions options);

    /**
     * Annotations a container's config.json carries for this backend, set when it is created and again when it is
     * restored (on another node its directory differs). Empty by default.
     */
    default Map<String, String> bundleAnnotations(Path containerDir) {
        return Map.of();
    }

    /**
     * Starts a lazy dump (post-copy) and returns once the image without memory is written; from then the container is
     * frozen and its memory is served at {@link LazyDumpRequest#listen}. A dump that cannot start leaves the
     * container running, as before. Only where {@link CheckpointCapabilities#lazyPages()}.
     */
    default LazyDump lazyCheckpoint(LazyDumpRequest request) throws CheckpointException {
        throw new CheckpointException("the " + name() + " checkpoint backend cannot dump lazily (post-copy)");
    }

    /** The lazy dump started with this request, as it stands now (after a daemon restart, say). */
    default LazyDump reopenLazyDump(LazyDumpRequest request) throws CheckpointException {
        throw new CheckpointException("the " + name() + " checkpoint backend cannot dump lazily (post-copy)");
    }

    /**
     * Starts fetching the memory of the lazily dumped image in {@code imageDir} (the source's image without memory)
     * from {@code source}, the page server, with this node's certificates; returns once the restore may begin.
     */
    default LazyPages lazyPages(Path imageDir, Path workDir, PageServer source) throws CheckpointException {
        throw new CheckpointException("the " + name() + " checkpoint backend cannot restore lazily (post-copy)");
    }

    /** The fetcher started with these directories, as it stands now. */
    default LazyPages reopenLazyPages(Path imageDir, Path workDir, PageServer source) throws CheckpointException {
        throw new CheckpointException("the " + name() + " checkpoint backend cannot restore lazily (post-copy)");
    }

    @Override
    default void close() {
    }
}
