package io.hydra.runtime.checkpoint.repo;

/**
 * Progress of a long repository operation, for the CLI to render. Calls come from the repository's worker threads,
 * never two at a time for one operation, and at most a few hundred times per operation; a listener must return
 * quickly and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {
    enum Phase {
        /** Walking the image directory; done and total count files. */
        SCANNING,
        /** Chunking, hashing, compressing, uploading; bytes of the image processed. */
        UPLOADING,
        /** Verifying packs and writing the manifest; done and total count packs. */
        COMMITTING,
        /** Fetching, checking and writing chunks; bytes of the image written. */
        DOWNLOADING,
        /** The operation finished; done equals total. */
        DONE
    }

    ProgressListener NONE = (phase, done, total) -> {
    };

    void progress(Phase phase, long done, long total);
}
