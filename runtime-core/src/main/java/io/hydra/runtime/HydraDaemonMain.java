package io.hydra.runtime;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/** {@code hydra daemon}: runs until signalled; a start-up failure is printed as one clear line, exit status 1. */
@QuarkusMain
public class HydraDaemonMain implements QuarkusApplication {
    public static void main(String... args) {
        Quarkus.run(HydraDaemonMain.class, (status, failure) -> {
            if (failure != null) {
                Throwable root = failure;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                System.err.println("hydra daemon: " + readable(root.getMessage()));
                System.exit(1);
            }
            System.exit(status);
        }, args);
    }

    private static final java.util.regex.Pattern CONVERSION = java.util.regex.Pattern.compile(
            "(?:\\S+: )?SRCFG00039: The config property (\\S+) with the config value \"(.*)\" threw an Exception"
                    + " whilst being converted (.*)");

    /**
     * SmallRye's conversion errors name the setting, buried in a stack-trace-like line: keep the setting, the value
     * and the reason, one line each.
     */
    static String readable(String message) {
        if (message == null) {
            return "start-up failed";
        }
        StringBuilder out = new StringBuilder();
        for (String line : message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            if (line.startsWith("Configuration validation failed")) {
                continue;
            }
            java.util.regex.Matcher m = CONVERSION.matcher(line);
            String text = line;
            if (m.matches()) {
                String reason = m.group(3).strip();
                text = m.group(1) + ": '" + m.group(2) + "' is not valid (" + reason + ")"
                        + (reason.toLowerCase(java.util.Locale.ROOT).contains("duration")
                        ? ": a duration is a number with a unit, like 500ms, 30s, 10m or 1h" : "");
            }
            out.append(out.length() == 0 ? "" : "\n").append(text);
        }
        return out.length() == 0 ? message : out.toString();
    }

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
