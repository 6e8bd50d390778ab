package io.hydra.cli.containers;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --env-file F} as docker reads it: one KEY=VALUE a line, taken as it is (no quotes removed); blank lines
 * and lines starting with # are skipped; a bare KEY takes our own environment's value, and is left out when we have
 * none.
 */
final class EnvFile {
    private EnvFile() {
    }

    /** The entries of {@code file}; an unreadable file or a bad line is an IllegalArgumentException naming it. */
    static List<String> read(Path file, Map<String, String> environment) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("--env-file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --env-file " + file + ": " + e.getMessage());
        }
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.stripLeading();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String entry = withValue(trimmed, environment, "--env-file " + file + " line " + (i + 1));
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /**
     * {@code KEY=VALUE} as is, a bare {@code KEY} with its value from {@code environment} (null when it has none);
     * {@code where} names the entry in errors.
     */
    static String withValue(String entry, Map<String, String> environment, String where) {
        int eq = entry.indexOf('=');
        String key = eq < 0 ? entry : entry.substring(0, eq);
        if (key.isEmpty() || !key.equals(key.strip()) || key.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(where + ": '" + entry + "' is not KEY=VALUE (the key is empty or"
                    + " has spaces)");
        }
        if (eq >= 0) {
            return entry;
        }
        String value = environment.get(key);
        return value == null ? null : key + "=" + value;
    }
}
