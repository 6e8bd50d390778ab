package io.hydra.runtime.state;

/**
 * What the daemon does when a container's process exits on its own: {@code --restart no|on-failure[:N]|always}.
 *
 * @param maxRetries for {@code on-failure}, how many restarts before giving up; 0 for no limit
 */
public record RestartPolicy(Mode mode, int maxRetries) {
    public static final RestartPolicy NO = new RestartPolicy(Mode.no, 0);

    public enum Mode { no, on_failure, always }

    public RestartPolicy {
        mode = mode == null ? Mode.no : mode;
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
        }
    }
}
