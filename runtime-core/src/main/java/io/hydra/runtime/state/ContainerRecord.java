package io.hydra.runtime.state;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import io.hydra.spi.monitor.MonitorRecord;

/**
 * Everything the daemon knows of one container, persisted as one row. Immutable: every change is a new record,
 * written in the same transaction as the events it causes.
 *
 * @param monitorRecord the live monitor, or null when the container has none (created-and-failed, exited, orphaned)
 * @param exitCode      null until exited, and when the exit status could not be learned
 * @param signal        the signal that killed it (as the monitor reported it), or null
 */
public record ContainerRecord(String id, String name, ContainerStatus status, String monitor, MonitorRecord monitorRecord,
                              Path containerDir, Path bundle, String userBundle, List<String> command, boolean interactive,
                              int pid, Integer exitCode, String signal, boolean oomKilled, String exitReason, String node,
                              Instant createdAt, Instant startedAt, Instant finishedAt, int restartCount,
                              RunOptions options) {
    public ContainerRecord {
        command = command == null ? List.of() : List.copyOf(command);
        // records written before RunOptions existed have none
        options = options == null ? RunOptions.NONE : options;
    }

    public Path logFile() {
        return containerDir.resolve("ctr.log");
    }

    public ContainerRecord withStatus(ContainerStatus newStatus) {
        return new ContainerRecord(id, name, newStatus, monitor, monitorRecord, containerDir, bundle, userBundle, command,
                interactive, pid, exitCode, signal, oomKilled, exitReason, node, createdAt, startedAt, finishedAt,
                restartCount, options);
    }

    public ContainerRecord withOptions(RunOptions newOptions) {
        return new ContainerRecord(id, name, status, monitor, monitorRecord, containerDir, bundle, userBundle, command,
                interactive, pid, exitCode, signal, oomKilled, exitReason, node, createdAt, startedAt, finishedAt,
                restartCount, newOptions);
    }

    public ContainerRecord launched(String monitorName, MonitorRecord launched) {
        return new ContainerRecord(id, name, ContainerStatus.created, monitorName, launched, containerDir, bundle,
                userBundle, command, interactive, launched.container().pid(), null, null, false, null, node, createdAt,
                null, null, restartCount, options);
    }

    public ContainerRecord started(Instant at) {
        return new ContainerRecord(id, name, ContainerStatus.running, monitor, monitorRecord, containerDir, bundle,
                userBundle, command, interactive, pid, null, null, false, null, node, createdAt, at, null, restartCount, options);
    }

    public ContainerRecord restarted(String monitorName, MonitorRecord launched, Instant at) {
        return new ContainerRecord(id, name, ContainerStatus.running, monitorName, launched, containerDir, bundle,
                userBundle, command, interactive, launched.container().pid(), null, null, false, null, node, createdAt,
                at, null, restartCount + 1, options);
    }

    public ContainerRecord exited(Integer code, String killedBy, boolean oom, String reason, Instant at) {
        return new ContainerRecord(id, name, ContainerStatus.exited, monitor, null, containerDir, bundle, userBundle,
                command, interactive, pid, code, killedBy, oom, reason, node, createdAt, startedAt, at, restartCount, options);
    }

    public ContainerRecord orphaned() {
        return new ContainerRecord(id, name, ContainerStatus.orphaned, monitor, monitorRecord, containerDir, bundle,
                userBundle, command, interactive, pid, exitCode, signal, oomKilled,
                "monitor " + (monitorRecord == null ? "" : monitorRecord.monitor().pid() + " ") + "died", node,
                createdAt, startedAt, finishedAt, restartCount, options);
    }
}
