package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Why a runc or CRIU command failed, in the words that say it: runc's last message, and CRIU's first error. */
final class CriuErrors {
    private static final Pattern RUNC_MESSAGE = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private CriuErrors() {
    }

    /** runc's last {@code msg="…"}, or its whole output stripped when it has none. */
    static String runcMessage(String runcOutput) {
        Matcher m = RUNC_MESSAGE.matcher(runcOutput);
        String message = runcOutput.strip();
        while (m.find()) {
            message = m.group(1).replace("\\\"", "\"");
        }
        return message;
    }

    /**
     * CRIU's first error in its log, without the timestamp. The RLIMIT_NOFILE complaint CRIU logs on every run in a
     * container is not a reason and is skipped.
     */
    static Optional<String> firstError(Path criuLog) {
        try {
            if (Files.exists(criuLog)) {
                for (String line : Files.readAllLines(criuLog)) {
                    if (line.contains("Error (") && !line.contains("RLIMIT_NOFILE")) {
                        return Optional.of(line.replaceFirst("^\\([0-9. ]+\\)\\s*", "").strip());
                    }
                }
            }
        } catch (IOException ignored) {
            // no log to read: the caller's own words then
        }
        return Optional.empty();
    }

    /** runc's message, and CRIU's first error from its log when there is one: that is where the reason is. */
    static String explain(String runcOutput, Path criuLog) {
        String message = runcMessage(runcOutput);
        return firstError(criuLog).map(e -> message + " (criu: " + e + ")").orElse(message);
    }
}
