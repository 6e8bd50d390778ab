package io.hydra.runtime.container;

import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;

/** Container names become directory and runtime names: nothing in them may climb out of a directory. */
public final class ContainerNames {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private ContainerNames() {
    }

    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw HydraException.invalid("container name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw HydraException.invalid("container name is " + name.length() + " characters long; at most "
                    + MAX_LENGTH + " are allowed");
        }
        if (!VALID.matcher(name).matches() || name.contains("..")) {
            throw HydraException.invalid("container name '" + name + "' is invalid: use letters, digits, '_', '.' and"
                    + " '-', begin with a letter or digit, no '/' and no '..'");
        }
    }
}
