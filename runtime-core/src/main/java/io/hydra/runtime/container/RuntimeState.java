package io.hydra.runtime.container;

/**
 * What the OCI runtime itself says of a container ({@code runc state}).
 *
 * @param status {@code created}, {@code running}, {@code paused} or {@code stopped}
 * @param pid    its init process, 0 when it has none
 */
public record RuntimeState(String status, int pid) {
    /** The container's processes exist (created, running or paused). */
    public boolean live() {
        return pid > 0 && !"stopped".equals(status);
    }
}
