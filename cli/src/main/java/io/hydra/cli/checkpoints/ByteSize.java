package io.hydra.cli.checkpoints;

/** Byte counts for people: 512 B, 1.5 KiB, 3.0 GiB. */
public final class ByteSize {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

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
}
