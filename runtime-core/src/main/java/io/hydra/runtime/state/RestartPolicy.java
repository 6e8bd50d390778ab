package io.hydra.runtime.state;

import io.hydra.runtime.HydraException;

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

    /** {@code --restart} as typed; null or empty is {@code no}. */
    public static RestartPolicy parse(String text) {
        if (text == null || text.isEmpty() || text.equals("no")) {
            return NO;
        }
        if (text.equals("always")) {
            return new RestartPolicy(Mode.always, 0);
        }
        if (text.equals("on-failure")) {
            return new RestartPolicy(Mode.on_failure, 0);
        }
        if (text.startsWith("on-failure:")) {
            String count = text.substring("on-failure:".length());
            if (count.matches("[0-9]{1,6}")) {
                return new RestartPolicy(Mode.on_failure, Integer.parseInt(count));
            }
            throw HydraException.invalid("--restart " + text + ": the retry count after 'on-failure:' must be a"
                    + " whole number, e.g. on-failure:3");
        }
        throw HydraException.invalid("--restart " + text + " is not a restart policy: use no, on-failure[:N] or always");
    }

    /** The policy as {@code --restart} takes it. */
    @Override
    public String toString() {
        return switch (mode) {
            case no -> "no";
            case always -> "always";
            case on_failure -> maxRetries == 0 ? "on-failure" : "on-failure:" + maxRetries;
        };
    }
}
