package io.hydra.runtime.container;

import java.util.Set;

import io.hydra.runtime.HydraException;

/** Signal names as users type them (TERM, SIGTERM, 15) turned into what runc accepts. */
final class Signals {
    private static final Set<String> NAMES = Set.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
            "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {
    }

    static String normalize(String signal) {
        String s = signal.trim().toUpperCase();
        if (s.matches("\\d+")) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 64) {
                throw HydraException.invalid("signal " + signal + " is out of range 1-64");
            }
            return s;
        }
        String bare = s.startsWith("SIG") ? s.substring(3) : s;
        if (!NAMES.contains(bare)) {
            throw HydraException.invalid("unknown signal '" + signal + "'");
        }
        return "SIG" + bare;
    }
}
