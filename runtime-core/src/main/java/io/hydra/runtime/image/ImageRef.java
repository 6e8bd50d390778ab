package io.hydra.runtime.image;

import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;

/**
 * An image reference normalized as docker does: {@code busybox} is {@code docker.io/library/busybox:latest}; the
 * first path component is a registry host only when it has a dot or a colon, or is {@code localhost}; a digest
 * ({@code @sha256:<64 hex>}) pins the manifest, and a reference with a digest and no tag keeps no tag.
 *
 * @param registry   {@code docker.io}, {@code host:5000}, {@code localhost}
 * @param repository {@code library/busybox}, {@code a/b}
 * @param tag        the tag, or null when only a digest is given
 * @param digest     {@code sha256:<hex>}, or null
 */
public record ImageRef(String registry, String repository, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    + "|\\[[0-9A-Fa-f:.]+\\]");
    private static final int MAX_LENGTH = 255;

    /** Parses and normalizes; a malformed reference is an invalid-argument error naming what is wrong. */
    public static ImageRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw HydraException.invalid("image reference is empty");
        }
        if (text.length() > MAX_LENGTH + 72) {
            throw HydraException.invalid("image reference '" + abbreviate(text) + "' is too long");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw HydraException.invalid("image reference '" + text + "': digest '" + digest
                        + "' is not sha256: followed by 64 lowercase hex digits");
            }
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw HydraException.invalid("image reference '" + text + "': tag '" + tag + "' is invalid (letters,"
                        + " digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
            }
        }
        String registry = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                path = rest.substring(slash + 1);
                checkHost(registry, text);
            }
        }
        if (path.isEmpty()) {
            throw HydraException.invalid("image reference '" + text + "' names no repository");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw HydraException.invalid("image reference '" + text + "': repository component '" + component
                        + "' is invalid (lowercase letters, digits and single '.', '_' or '-' separators)");
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (path.length() > MAX_LENGTH) {
            throw HydraException.invalid("image reference '" + abbreviate(text) + "': repository name is longer than "
                    + MAX_LENGTH + " characters");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageRef(registry, path, tag, digest);
    }

    private static void checkHost(String registry, String text) {
        String host = registry;
        int portColon = registry.lastIndexOf(':');
        if (portColon > registry.lastIndexOf(']')) {
            host = registry.substring(0, portColon);
            String port = registry.substring(portColon + 1);
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535) {
                throw HydraException.invalid("image reference '" + text + "': registry port '" + port
                        + "' is not a number from 1 to 65535");
            }
        }
        if (!HOST.matcher(host).matches()) {
            throw HydraException.invalid("image reference '" + text + "': registry host '" + host + "' is invalid");
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    /** The name without tag or digest: {@code docker.io/library/busybox}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** What the registry's manifest endpoint is asked for: the digest when there is one, else the tag. */
    public String reference() {
        return digest != null ? digest : tag;
    }

    /** The same repository pinned to a manifest digest (tag dropped). */
    public ImageRef withDigest(String manifestDigest) {
        return new ImageRef(registry, repository, null, manifestDigest);
    }

    /** The normalized text: {@code docker.io/library/busybox:latest}, {@code host:5000/a@sha256:...}. */
    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
