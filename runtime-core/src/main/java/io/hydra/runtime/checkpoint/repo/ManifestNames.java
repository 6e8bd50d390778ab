package io.hydra.runtime.checkpoint.repo;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where manifests live: {@code manifests/<containerId>/<version, 20 digits>.json}. Zero padding makes the store's
 * name order the version order, and 20 digits hold every positive long.
 */
final class ManifestNames {
    static final String ROOT = "manifests/";
    static final int MAX_CONTAINER_ID_LENGTH = 128;
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern NAME = Pattern.compile("manifests/([A-Za-z0-9][A-Za-z0-9_.-]{0,127})/([0-9]{20})\\.json");

    private ManifestNames() {
    }

    /** Container ids become a blob name segment; the same rule as container names, so ids and names both fit. */
    static String validateContainerId(String containerId) {
        if (containerId == null || !CONTAINER_ID.matcher(containerId).matches() || containerId.contains("..")) {
            throw new IllegalArgumentException("container id '" + containerId + "' is invalid: 1.."
                    + MAX_CONTAINER_ID_LENGTH + " letters, digits, '_', '.', '-', beginning with a letter or digit,"
                    + " no '..'");
        }
        return containerId;
    }

    static void validateVersion(long version) {
        if (version < 1) {
            throw new IllegalArgumentException("checkpoint version " + version + " is invalid: versions start at 1");
        }
    }

    static String prefix(String containerId) {
        return ROOT + validateContainerId(containerId) + "/";
    }

    static String blobName(String containerId, long version) {
        validateVersion(version);
        return prefix(containerId) + String.format("%020d", version) + ".json";
    }

    /** The version a listed blob name stands for, or empty for a name that is not a manifest of this container. */
    static OptionalLong versionOf(String containerId, String blobName) {
        Matcher matcher = NAME.matcher(blobName);
        if (!matcher.matches() || !matcher.group(1).equals(containerId)) {
            return OptionalLong.empty();
        }
        return parseVersion(matcher.group(2));
    }

    /** Container id and version of any manifest blob name, or null for other names. */
    static Parsed parse(String blobName) {
        Matcher matcher = NAME.matcher(blobName);
        if (!matcher.matches() || matcher.group(1).contains("..")) {
            return null;
        }
        OptionalLong version = parseVersion(matcher.group(2));
        return version.isPresent() ? new Parsed(matcher.group(1), version.getAsLong()) : null;
    }

    private static OptionalLong parseVersion(String digits) {
        try {
            long version = Long.parseLong(digits);
            return version >= 1 ? OptionalLong.of(version) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            // 20 digits may exceed a long: not a name this package writes.
            return OptionalLong.empty();
        }
    }

    record Parsed(String containerId, long version) {
    }
}
