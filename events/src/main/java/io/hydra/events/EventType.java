package io.hydra.events;

/** The CloudEvents {@code type} values Hydra emits. */
public final class EventType {
    public static final String CONTAINER_CREATED = "io.hydra.container.created";
    public static final String CONTAINER_STARTED = "io.hydra.container.started";
    public static final String CONTAINER_EXITED = "io.hydra.container.exited";
    public static final String CONTAINER_OOM = "io.hydra.container.oom";
    public static final String CONTAINER_PAUSED = "io.hydra.container.paused";
    public static final String CONTAINER_RESUMED = "io.hydra.container.resumed";
    public static final String CONTAINER_REMOVED = "io.hydra.container.removed";
    public static final String CONTAINER_ORPHANED = "io.hydra.container.orphaned";
    public static final String CONTAINER_RESTORED = "io.hydra.container.restored";
    public static final String CHECKPOINT_CREATED = "io.hydra.checkpoint.created";
    public static final String CHECKPOINT_DELETED = "io.hydra.checkpoint.deleted";
    public static final String IMAGE_PULLED = "io.hydra.image.pulled";
    public static final String IMAGE_REMOVED = "io.hydra.image.removed";
    public static final String DAEMON_STARTED = "io.hydra.daemon.started";
    public static final String DAEMON_RECOVERED = "io.hydra.daemon.recovered";

    private EventType() {
    }
}
