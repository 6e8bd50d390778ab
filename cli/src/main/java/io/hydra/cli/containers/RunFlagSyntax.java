package io.hydra.cli.containers;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * The syntax of run flags, checked before anything is sent so a typo is a usage error (exit 2); what depends on
 * the host or the container (a host path, a user name) the daemon checks.
 */
final class RunFlagSyntax {
    private static final Pattern RESTART = Pattern.compile("no|always|on-failure(:[0-9]{1,6})?");
    private static final Pattern USER = Pattern.compile("[^:\\s]+(:[^:\\s]+)?");

    private RunFlagSyntax() {
    }

    static void volume(String v) {
        String[] parts = v.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("-v " + v + " is not HOST:CONTAINER[:ro|rw]");
        }
        if (!parts[1].startsWith("/")) {
            throw new IllegalArgumentException("-v " + v + ": the container path '" + parts[1] + "' must be absolute");
        }
        if (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) {
            throw new IllegalArgumentException("-v " + v + ": option '" + parts[2] + "' is not ro or rw");
        }
    }

    static void user(String u) {
        if (!USER.matcher(u).matches()) {
            throw new IllegalArgumentException("-u " + u + " is not UID[:GID] or NAME[:GROUP]");
        }
    }

    static void restart(String r) {
        if (!RESTART.matcher(r).matches()) {
            throw new IllegalArgumentException("--restart " + r + " is not no, on-failure[:N] or always");
        }
    }

    static void workdir(String w) {
        if (!w.startsWith("/")) {
            throw new IllegalArgumentException("-w " + w + " must be an absolute path in the container");
        }
    }

    /** {@code --cpus 1.5} in thousandths of a CPU (1500). */
    static long cpuMillis(String cpus) {
        BigDecimal value;
        try {
            value = new BigDecimal(cpus);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cpus must be a number of CPUs like 0.5 or 2, got '" + cpus + "'");
        }
        if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(1000)) > 0 || value.scale() > 3) {
            throw new IllegalArgumentException("--cpus " + cpus + " is out of range: more than 0, at most 1000, with"
                    + " at most 3 decimals");
        }
        return value.movePointRight(3).longValueExact();
    }
}
