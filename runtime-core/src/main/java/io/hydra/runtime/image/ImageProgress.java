package io.hydra.runtime.image;

/** Progress of a pull or an import: the phase ({@code manifest}, {@code layers}, {@code done}) and bytes so far. */
@FunctionalInterface
public interface ImageProgress {
    ImageProgress NONE = (phase, done, total) -> { };

    void progress(String phase, long done, long total);
}
