package io.hydra.cli.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --constraint K=V} (repeatable): the node labels a container's failover or migration target must have.
 * Refused, naming the flag's value: no {@code =}, an empty key, an empty value (most often an unset shell variable,
 * {@code zone=$ZONE}, which would otherwise demand a label no node has), and one key given two values (no node can
 * satisfy both).
 */
public final class Constraints {
    private Constraints() {
    }

    /** The constraints as a map, or an IllegalArgumentException whose message names the bad one. */
    public static Map<String, String> parse(List<String> flags) {
        Map<String, String> constraints = new LinkedHashMap<>();
        for (String flag : flags) {
            int eq = flag.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("--constraint " + flag + " has no '=': give K=V");
            }
            String key = flag.substring(0, eq);
            String value = flag.substring(eq + 1);
            if (key.isBlank()) {
                throw new IllegalArgumentException("--constraint " + flag + " has no key: give K=V");
            }
            if (value.isBlank()) {
                throw new IllegalArgumentException("--constraint " + flag + " has no value: give K=V");
            }
            String earlier = constraints.putIfAbsent(key, value);
            if (earlier != null && !earlier.equals(value)) {
                throw new IllegalArgumentException("--constraint " + key + "=" + earlier + " and --constraint "
                        + flag + " conflict: no node has both");
            }
        }
        return constraints;
    }
}
