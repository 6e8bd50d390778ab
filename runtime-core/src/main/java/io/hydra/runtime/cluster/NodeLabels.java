package io.hydra.runtime.cluster;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** {@code hydra.labels} ({@code --labels K=V,K=V}): what a container's {@code --constraint K=V} is matched against. */
public final class NodeLabels {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

    private NodeLabels() {
    }

    /** @throws IllegalArgumentException naming the first bad entry */
    public static Map<String, String> parse(String text) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        for (String entry : text.split(",", -1)) {
            String e = entry.trim();
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("hydra.labels (--labels): '" + e + "' is not KEY=VALUE, in '"
                        + text + "'");
            }
            String key = e.substring(0, eq).trim();
            String value = e.substring(eq + 1).trim();
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("hydra.labels (--labels): '" + key + "' is not a label key"
                        + " (letters, digits, '.', '_', '/', '-'), in '" + text + "'");
            }
            if (value.contains("=")) {
                throw new IllegalArgumentException("hydra.labels (--labels): the value of '" + key
                        + "' contains '=', in '" + text + "'");
            }
            if (labels.put(key, value) != null) {
                throw new IllegalArgumentException("hydra.labels (--labels): '" + key + "' is given twice, in '"
                        + text + "'");
            }
        }
        return Map.copyOf(labels);
    }
}
