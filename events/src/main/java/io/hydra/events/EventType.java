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
    /** A container of a lost node that no node could take, or an unprotected one: not running anywhere. */
    public static final String CONTAINER_LOST = "io.hydra.container.lost";
    /** A protected container of a lost node restored on another one. */
    public static final String CONTAINER_FAILED_OVER = "io.hydra.container.failed-over";
    /** A live migration of a container began on its source node. */
    public static final String MIGRATION_STARTED = "io.hydra.migration.started";
    /** A live migration ended with the container running on its target node. */
    public static final String MIGRATION_COMPLETED = "io.hydra.migration.completed";
    /** A live migration ended without moving the container: the event says where it runs. */
    public static final String MIGRATION_FAILED = "io.hydra.migration.failed";
    public static final String NODE_JOINED = "io.hydra.node.joined";
    public static final String NODE_LOST = "io.hydra.node.lost";
    public static final String CHECKPOINT_CREATED = "io.hydra.checkpoint.created";
    public static final String CHECKPOINT_DELETED = "io.hydra.checkpoint.deleted";
    public static final String IMAGE_PULLED = "io.hydra.image.pulled";
    public static final String IMAGE_REMOVED = "io.hydra.image.removed";
    public static final String DAEMON_STARTED = "io.hydra.daemon.started";
    public static final String DAEMON_RECOVERED = "io.hydra.daemon.recovered";

    private EventType() {
    }
}
