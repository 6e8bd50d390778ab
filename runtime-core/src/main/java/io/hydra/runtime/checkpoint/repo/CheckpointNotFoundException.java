package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;

/** The container has no committed checkpoint of that version (or none at all). */
public class CheckpointNotFoundException extends IOException {
    private final String containerId;
    private final long version;

    public CheckpointNotFoundException(String containerId, long version) {
        super("container " + containerId + " has no checkpoint version " + version);
        this.containerId = containerId;
        this.version = version;
    }

    public String containerId() {
        return containerId;
    }

    public long version() {
        return version;
    }
}
