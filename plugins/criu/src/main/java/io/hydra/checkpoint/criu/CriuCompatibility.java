package io.hydra.checkpoint.criu;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a CRIU version can checkpoint on a kernel. Decided on the two version strings alone, so the rule is
 * testable without either.
 *
 * <p>3.x fails {@code criu check} on current kernels (vDSO bounds). Kernels from 6.16 refuse {@code SO_PASSCRED} and
 * {@code SO_PASSSEC} on sockets that are not Unix sockets, and CRIU before 4.2 reads both from every socket it dumps,
 * so it cannot dump any process with a TCP or UDP socket there (checkpoint-restore/criu#2718, fixed in 4.2).
 */
final class CriuCompatibility {
    static final String FIX = "run scripts/setup-host.sh, which builds and installs CRIU 4.2.1 in /usr/local/sbin";
    private static final Pattern NUMBERS = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private CriuCompatibility() {
    }

    /** Why this CRIU cannot be used on this kernel, or empty when it can. */
    static Optional<String> refusal(String criuVersion, String kernelRelease) {
        int[] criu = numbers(criuVersion)
                .orElseThrow(() -> new IllegalArgumentException("not a CRIU version: '" + criuVersion + "'"));
        if (criu[0] < 4) {
            return Optional.of("CRIU " + criuVersion + " is too old: 3.x fails on current kernels; " + FIX);
        }
        Optional<int[]> kernel = numbers(kernelRelease);
        boolean kernelRefusesPasscred = kernel.map(k -> compare(k, 6, 16) >= 0).orElse(true);
        if (compare(criu, 4, 2) < 0 && kernelRefusesPasscred) {
            return Optional.of("CRIU " + criuVersion + " cannot dump TCP or UDP sockets on kernel " + kernelRelease
                    + " (kernels >= 6.16 refuse SO_PASSCRED on inet sockets, checkpoint-restore/criu#2718, fixed in"
                    + " CRIU 4.2): every container with a network socket would fail to checkpoint; " + FIX);
        }
        return Optional.empty();
    }

    /** Major, minor, patch of {@code 6.18.44-fc-v1045} or {@code 4.2.1}; patch 0 when absent. */
    static Optional<int[]> numbers(String version) {
        Matcher m = NUMBERS.matcher(version.strip());
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3))});
    }

    private static int compare(int[] version, int major, int minor) {
        return version[0] != major ? Integer.compare(version[0], major) : Integer.compare(version[1], minor);
    }
}
