package io.hydra.spi.scheduler;

import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A version of dot-separated numbers ({@code 4.2.1}), compared number by number so that 4.10 is newer than 4.9;
 * missing trailing numbers count as zero (4.2 equals 4.2.0).
 */
public record DottedVersion(long[] parts) implements Comparable<DottedVersion> {
    private static final Pattern SHAPE = Pattern.compile("\\d+(\\.\\d+)*");

    public DottedVersion {
        parts = parts.clone();
    }

    /** A copy: the version stays as parsed whatever the caller does with it. */
    @Override
    public long[] parts() {
        return parts.clone();
    }

    /** The version, or empty when the text is not dotted numbers (nothing to compare with, not a zero). */
    public static Optional<DottedVersion> parse(String text) {
        String trimmed = text.strip();
        if (!SHAPE.matcher(trimmed).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DottedVersion(Arrays.stream(trimmed.split("\\.")).mapToLong(Long::parseLong)
                    .toArray()));
        } catch (NumberFormatException tooLong) {
            return Optional.empty();
        }
    }

    @Override
    public int compareTo(DottedVersion other) {
        int length = Math.max(parts.length, other.parts.length);
        for (int i = 0; i < length; i++) {
            int order = Long.compare(part(i), other.part(i));
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    private long part(int index) {
        return index < parts.length ? parts[index] : 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DottedVersion version && compareTo(version) == 0;
    }

    @Override
    public int hashCode() {
        int end = parts.length;
        while (end > 0 && parts[end - 1] == 0) {
            end--;
        }
        return Arrays.hashCode(Arrays.copyOf(parts, end));
    }

    @Override
    public String toString() {
        return String.join(".", Arrays.stream(parts).mapToObj(Long::toString).toList());
    }
}
