package io.hydra.spi.scheduler;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Sizes and CPU amounts as a user reads them in a placement's reason ("256 MiB", "1.5 CPUs"). */
final class Quantities {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Quantities() {
    }

    static String bytes(long bytes) {
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return decimal(value) + " " + UNITS[unit];
    }

    static String cpus(long millis) {
        String amount = decimal(millis / 1000.0);
        return amount + (millis == 1000 ? " CPU" : " CPUs");
    }

    /** At most one decimal, none when it is zero: "1 GiB", "1.5 GiB". */
    private static String decimal(double value) {
        return BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
