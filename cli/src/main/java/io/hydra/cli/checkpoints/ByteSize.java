package io.hydra.cli.checkpoints;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts for people: 512 B, 1.5 KiB, 3.0 GiB; and sizes people type: 4096, 64k, 64m, 1g. */
public final class ByteSize {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};
    /** As {@code --memory} takes them: bytes, or k, m, g (powers of 1024), an optional trailing b, any case. */
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmg]?)b?");

    private ByteSize() {
    }

    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < UNITS.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, UNITS[i]);
    }

    /**
     * A size as typed ({@code 4096}, {@code 64k}, {@code 64m}, {@code 1g}) in bytes. Refused with what is wrong, for
     * the caller to put after the option's name: "must not be negative", "must be a size like ...", "is too large".
     */
    public static long parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("must not be negative");
        }
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size like 64m, 1g or 4096 (bytes)");
        }
        long unit = switch (m.group(2)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("is too large");
        }
    }
}
