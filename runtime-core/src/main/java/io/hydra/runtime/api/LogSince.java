package io.hydra.runtime.api;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;

/** {@code logs --since T}: an RFC 3339 time, or a duration before now as Go writes them ({@code 10m}, {@code 1h30m}). */
final class LogSince {
    private static final Pattern DURATION = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ns|us|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    private LogSince() {
    }

    /** The instant {@code text} names, relative ones against {@code now}; null or empty for no limit (null). */
    static Instant parse(String text, Instant now) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (DURATION.matcher(text).matches()) {
            return now.minus(duration(text));
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw HydraException.invalid("--since '" + text + "' is neither an RFC 3339 time (2024-05-01T10:00:00Z)"
                    + " nor a duration before now (30s, 10m, 1h30m)");
        }
    }

    private static Duration duration(String text) {
        double nanos = 0;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            double value = Double.parseDouble(m.group(1));
            nanos += value * switch (m.group(2)) {
                case "ns" -> 1;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        if (nanos > 1e9 * 3600 * 24 * 365 * 100) {
            throw HydraException.invalid("--since " + text + " is more than a hundred years");
        }
        return Duration.ofNanos((long) nanos);
    }
}
