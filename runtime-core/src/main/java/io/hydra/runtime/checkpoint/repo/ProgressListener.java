package io.hydra.runtime.checkpoint.repo;

/**
 * Progress of a long repository operation, for the CLI to render. Calls come from the repository's worker threads,
 * never two at a time for one operation, and at most a few hundred times per operation; a listener must return
 * quickly and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {
    enum Phase {
        /** The image directory was walked; reported once, done and total both the number of files. */
        SCANNING,
        /** Chunking, hashing, compressing, uploading; bytes of the image processed. */
        UPLOADING,
        /** Checking that reused packs still exist, then writing the manifest; counts those packs plus one. */
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
