package io.hydra.runtime.checkpoint;

import java.util.Optional;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;

/**
 * A post-copy migration stores its lazy dump's image without memory as a version of its own, so the target restores
 * it through the same verified path as any other. Such a version is only restorable while its source serves the
 * memory, from the page server its metadata names: never a container's latest state, never a failover's choice.
 */
public final class LazyVersions {
    /** Version metadata: the page server ({@code HOST:PORT}) the version's memory was served from. */
    static final String PAGE_SERVER = "lazyPageServer";

    private LazyVersions() {
    }

    public static boolean isLazy(CheckpointVersion v) {
        return v.metadata().containsKey(PAGE_SERVER);
    }

    public static Optional<String> pageServer(CheckpointVersion v) {
        return Optional.ofNullable(v.metadata().get(PAGE_SERVER)).filter(s -> !s.isEmpty());
    }

    static void refuseWithoutPageServer(CheckpointVersion v, String nameOrId) {
        if (isLazy(v)) {
            throw HydraException.failed("version " + v.version() + " of " + nameOrId + " cannot be restored: it is"
                    + " the image of a post-copy migration without its memory, which node "
                    + v.metadata().getOrDefault("node", "?") + " served from " + v.metadata().get(PAGE_SERVER)
                    + " to the migration's target only; restore an earlier version");
        }
    }
}
