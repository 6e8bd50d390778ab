package io.hydra.runtime.image.layer;

import java.util.ArrayList;
import java.util.List;

/**
 * A tar entry's name as the components of a path relative to the layer dir. Refuses what could leave the dir or
 * be read two ways: absolute names, {@code ..} components (GNU tar refuses them too; no honest layer needs one),
 * NUL bytes and empty names. {@code ./} prefixes, repeated and trailing slashes are harmless and dropped.
 */
record EntryPath(List<String> components) {
    EntryPath {
        components = List.copyOf(components);
    }

    static EntryPath parse(String name) throws BadEntryException {
        if (name == null || name.isEmpty()) {
            throw new BadEntryException("empty entry name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new BadEntryException("entry name contains a NUL byte");
        }
        if (name.startsWith("/")) {
            throw new BadEntryException("absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new BadEntryException("path contains '..'");
            }
            parts.add(part);
        }
        return new EntryPath(parts);
    }

    boolean isRoot() {
        return components.isEmpty();
    }

    String last() {
        return components.get(components.size() - 1);
    }

    EntryPath parent() {
        return new EntryPath(components.subList(0, components.size() - 1));
    }

    EntryPath sibling(String name) {
        List<String> parts = new ArrayList<>(components.subList(0, components.size() - 1));
        parts.add(name);
        return new EntryPath(parts);
    }

    @Override
    public String toString() {
        return components.isEmpty() ? "." : String.join("/", components);
    }
}
