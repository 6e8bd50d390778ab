package io.hydra.runtime.cluster;

import java.util.Map;
import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;

/** {@code --constraint K=V} on run and policy: node labels a container's next node must have. */
public final class Constraints {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

    private Constraints() {
    }

    /** The constraints, checked: a key that could never be a node label is refused naming it. */
    public static Map<String, String> check(Map<String, String> constraints) {
        for (var e : constraints.entrySet()) {
            if (!KEY.matcher(e.getKey()).matches()) {
                throw HydraException.invalid("--constraint " + e.getKey() + "=" + e.getValue() + ": '" + e.getKey()
                        + "' is not a label key (letters, digits, '.', '_', '/', '-')");
            }
            if (e.getValue().contains("=") || e.getValue().contains(",")) {
                throw HydraException.invalid("--constraint " + e.getKey() + "=" + e.getValue()
                        + ": a label value cannot contain '=' or ','");
            }
        }
        return Map.copyOf(constraints);
    }
}
