package io.hydra.runtime.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.hydra.runtime.HydraException;

/** One {@code -v HOST:CTR[:ro|rw]}: a host path bound into the container. */
record BindMount(Path host, String destination, boolean readOnly) {

    /** Parses and checks every entry (host path exists, destination absolute and clean) before any is used. */
    static List<BindMount> parseAll(List<String> volumes) {
        List<BindMount> mounts = new ArrayList<>();
        Set<String> destinations = new HashSet<>();
        for (String v : volumes) {
            BindMount m = parse(v);
            if (!destinations.add(m.destination())) {
                throw HydraException.invalid("-v " + v + ": " + m.destination() + " is already the destination of"
                        + " another -v");
            }
            mounts.add(m);
        }
        return mounts;
    }

    static BindMount parse(String volume) {
        String[] parts = volume.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw HydraException.invalid("-v " + volume + " is not HOST:CONTAINER[:ro|rw]");
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                default -> throw HydraException.invalid("-v " + volume + ": option '" + parts[2]
                        + "' is not ro or rw");
            }
        }
        if (!parts[0].startsWith("/")) {
            throw HydraException.invalid("-v " + volume + ": host path '" + parts[0] + "' must be absolute");
        }
        Path host = Path.of(parts[0]).normalize();
        if (!Files.exists(host)) {
            throw HydraException.invalid("-v " + volume + ": host path " + host + " does not exist");
        }
        return new BindMount(host, containerPath(parts[1], "-v " + volume), readOnly);
    }

    /** An absolute container path with no {@code ..}, normalized; {@code what} names the flag in errors. */
    static String containerPath(String path, String what) {
        if (!path.startsWith("/")) {
            throw HydraException.invalid(what + ": container path '" + path + "' must be absolute");
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw HydraException.invalid(what + ": container path '" + path + "' must not contain '..'");
            }
        }
        if (path.indexOf('\0') >= 0) {
            throw HydraException.invalid(what + ": container path contains a NUL byte");
        }
        String normalized = Path.of(path).normalize().toString();
        if (normalized.equals("/") && what.startsWith("-v")) {
            throw HydraException.invalid(what + ": cannot bind over the container's root /");
        }
        return normalized;
    }
}
