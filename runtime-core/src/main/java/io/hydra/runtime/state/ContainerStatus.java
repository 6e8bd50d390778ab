package io.hydra.runtime.state;

public enum ContainerStatus {
    /** Internal: the record exists so a crash mid-create can be rolled back; never shown to users. */
    creating,
    created,
    running,
    paused,
    exited,
    checkpointed,
    orphaned;

    /** The container's processes may exist. */
    public boolean live() {
        return this == created || this == running || this == paused || this == orphaned;
    }
}
