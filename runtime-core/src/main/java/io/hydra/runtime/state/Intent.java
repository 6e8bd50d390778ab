package io.hydra.runtime.state;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A change to one container that spans a runtime call, written before the call and settled (removed) in the same
 * transaction as its outcome. One that survives a crash tells recovery what was under way; recovery settles it
 * against the runtime's own state. A container has at most one intent: every change holds the container's lock.
 *
 * @param data facts recovery needs (for a checkpoint: where the staged image is, and how far it got)
 */
public record Intent(String containerId, Kind kind, Map<String, String> data, Instant at) {
    public enum Kind {
        start, restart, relaunch, restore, checkpoint
    }

    /** Keys of {@link #data()} for a checkpoint. */
    public static final String IMAGE = "image";
    public static final String LEAVE_RUNNING = "leaveRunning";
    public static final String PHASE = "phase";
    public static final String VERSION = "version";
    /** "true" for a post-copy migration's lazy dump: once its processes are gone, its memory is on the target. */
    public static final String LAZY = "lazy";

    /** How far a checkpoint got. */
    public static final String DUMPING = "dumping";
    public static final String DUMPED = "dumped";
    public static final String COMMITTED = "committed";

    public Intent {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(kind, "kind");
        data = data == null ? Map.of() : Map.copyOf(data);
        at = at == null ? Instant.now() : at;
    }

    public static Intent of(String containerId, Kind kind, Map<String, String> data) {
        return new Intent(containerId, kind, data, Instant.now());
    }

    public String get(String key) {
        return data.get(key);
    }

    public Intent with(String key, String value) {
        Map<String, String> changed = new HashMap<>(data);
        changed.put(key, value);
        return new Intent(containerId, kind, changed, at);
    }
}
