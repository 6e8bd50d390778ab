package io.hydra.spi.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process named by its pid and its start time (field 22 of {@code /proc/PID/stat}, in clock ticks since boot),
 * so that a recycled pid is never mistaken for the process we knew.
 */
public record ProcessIdentity(int pid, long startTime) {
    public ProcessIdentity {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive: " + pid);
        }
    }

    /** The identity of the process that has this pid now, if there is one that is not a zombie. */
    public static Optional<ProcessIdentity> of(int pid) {
        return ProcStat.read(pid).filter(s -> !s.zombie()).map(s -> new ProcessIdentity(pid, s.startTime()));
    }

    /** True while the very process we recorded exists and has not exited (a zombie has exited). */
    public boolean isAlive() {
        return ProcStat.read(pid).map(s -> s.startTime() == startTime && !s.zombie()).orElse(false);
    }

    /** The parent pid of this process, if it is still alive. */
    public Optional<Integer> parentPid() {
        return ProcStat.read(pid).filter(s -> s.startTime() == startTime).map(ProcStat::ppid);
    }

    record ProcStat(char state, int ppid, long startTime) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }

        static Optional<ProcStat> read(int pid) {
            String stat;
            try {
                stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
            // comm (field 2) may hold spaces and parentheses: parse after the last ')'
            int close = stat.lastIndexOf(')');
            if (close < 0) {
                return Optional.empty();
            }
            String[] f = stat.substring(close + 2).trim().split(" ");
            // f[0] is field 3 (state), f[1] field 4 (ppid), f[19] field 22 (starttime)
            if (f.length < 20) {
                return Optional.empty();
            }
            return Optional.of(new ProcStat(f[0].charAt(0), Integer.parseInt(f[1]), Long.parseLong(f[19])));
        }
    }
}
