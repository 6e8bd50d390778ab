package io.hydra.cli.containers;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** What {@code logs --since} takes (the daemon resolves it; checked here so a typo is a usage error). */
final class Since {
    private Since() {
    }

    static boolean valid(String text) {
        if (text.matches("(?:\\d+(?:\\.\\d+)?(?:ns|us|ms|s|m|h))+")) {
            return true;
        }
        try {
            OffsetDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
