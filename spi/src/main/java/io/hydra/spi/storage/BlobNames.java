package io.hydra.spi.storage;

import java.util.regex.Pattern;

/** Blob names are relative paths of safe segments: no store may be led outside its root or bucket prefix. */
public final class BlobNames {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.=-]{0,199}");
    private static final int MAX_LENGTH = 1024;

    private BlobNames() {
    }

    /** Throws IllegalArgumentException naming the problem. An empty prefix is allowed for listing. */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("blob name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("blob name is longer than " + MAX_LENGTH + " characters");
        }
        for (String segment : name.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.contains("..")) {
                throw new IllegalArgumentException("blob name '" + name + "' is invalid: segments of letters, digits,"
                        + " '_', '.', '=', '-', not starting with '.' or '-', no '..', no empty segment");
            }
        }
        return name;
    }

    /** Validates a listing prefix: empty, or a name, or a name followed by a slash. */
    public static String validatePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        validate(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        return prefix;
    }
}
