package io.hydra.runtime.cluster;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code hydra.cluster} as the user gave it, {@code SCHEME://ENDPOINTS}: the scheme names the coordinator plugin and
 * the endpoints are handed to it untouched (the plugin knows their syntax; the core only requires some).
 */
public record ClusterUrl(String scheme, String endpoints) {
    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

    public ClusterUrl {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(endpoints, "endpoints");
    }

    /** @throws IllegalArgumentException naming what is wrong with {@code text} */
    public static ClusterUrl parse(String text) {
        String t = text == null ? "" : text.trim();
        int sep = t.indexOf("://");
        if (sep <= 0) {
            throw new IllegalArgumentException("hydra.cluster (--cluster) must be SCHEME://ENDPOINTS such as"
                    + " etcd://127.0.0.1:2379, got '" + t + "'");
        }
        String scheme = t.substring(0, sep);
        String endpoints = t.substring(sep + 3);
        if (!SCHEME.matcher(scheme).matches()) {
            throw new IllegalArgumentException("hydra.cluster (--cluster): '" + scheme + "' is not a coordinator"
                    + " name (lower-case letters and digits), in '" + t + "'");
        }
        if (endpoints.isBlank()) {
            throw new IllegalArgumentException("hydra.cluster (--cluster): no endpoints after " + scheme
                    + "://, in '" + t + "'");
        }
        return new ClusterUrl(scheme, endpoints);
    }

    @Override
    public String toString() {
        return scheme + "://" + endpoints;
    }
}
