package io.hydra.checkpoint.criu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.monitor.OciRuntimeRef;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;
import io.hydra.spi.process.ProcessSpec;

/**
 * CRIU blocks a container's network while it dumps it (an iptables chain named CRIU in the container's network
 * namespace, dropping everything not marked by CRIU itself) and lifts the block when the dump fails, except after a
 * lazy dump whose restorer went away: then the container runs here again, deaf and mute. This lifts it.
 */
final class NetworkLock {
    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");
    /** CRIU's own unlock, as iptables-restore input (criu/net.c). */
    private static final String UNLOCK = "*filter\n:CRIU - [0:0]\n-D INPUT -j CRIU\n-D OUTPUT -j CRIU\n-X CRIU\nCOMMIT\n";

    private final ProcessRunner processes;
    private final Duration deadline;

    NetworkLock(ProcessRunner processes, Duration deadline) {
        this.processes = processes;
        this.deadline = deadline;
    }

    /** Lifts CRIU's block from the container's network namespace if it is there; says what it did. */
    String release(OciRuntimeRef runtime, String containerId) {
        try {
            ProcessResult state = processes.run(deadline, runtime.binary().toString(), "--root",
                    runtime.stateRoot().toString(), "state", containerId);
            Matcher m = PID.matcher(state.stdout());
            if (!state.succeeded() || !m.find() || m.group(1).equals("0")) {
                return "its network lock could not be checked (no process)";
            }
            String pid = m.group(1);
            List<String> released = new ArrayList<>();
            for (String tool : List.of("iptables", "ip6tables")) {
                ProcessResult chain = processes.run(deadline, "nsenter", "-t", pid, "-n", tool, "-w", "-S", "CRIU");
                if (!chain.succeeded()) {
                    continue; // no such chain: not locked (or no such tool, and then nothing locked it either)
                }
                ProcessResult unlock = processes.run(new ProcessSpec(List.of("sh", "-c",
                        "printf '%s' \"$RULES\" | nsenter -t " + pid + " -n " + tool + "-restore -w --noflush"),
                        deadline, Map.of("RULES", UNLOCK), Optional.empty(),
                        ProcessSpec.DEFAULT_OUTPUT_LIMIT));
                if (!unlock.succeeded()) {
                    return "lifting CRIU's network lock (" + tool + ") failed: " + unlock.stderr().strip();
                }
                released.add(tool);
            }
            return released.isEmpty() ? "its network was not locked" : "CRIU's network lock was lifted ("
                    + String.join(", ", released) + ")";
        } catch (ProcessException e) {
            return "its network lock could not be checked: " + e.getMessage();
        }
    }
}
