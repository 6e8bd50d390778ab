package io.hydra.conmon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import io.hydra.spi.monitor.AttachSession;
import io.hydra.spi.monitor.ExitReport;
import io.hydra.spi.monitor.LaunchRequest;
import io.hydra.spi.monitor.LogCursor;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.MonitorStrategy;
import io.hydra.spi.monitor.ProcessIdentity;
import io.hydra.spi.plugin.PluginContext;

/**
 * A monitor strategy built on conmon. With {@code stayChild} false conmon detaches at once (eager); with it true
 * conmon runs with {@code --sync} and stays this daemon's child until the daemon dies (lazy).
 */
public final class ConmonMonitorStrategy implements MonitorStrategy {
    private final String name;
    private final boolean stayChild;
    private final ConmonLauncher launcher;
    private final ProcessExitWatcher exitWatcher = new ProcessExitWatcher();
    private final long ownPid = ProcessHandle.current().pid();
    /** Every conmon of this strategy writes its container's exit code here (the strategy's own directory). */
    private final ExitFiles exitFiles;
    private ExitDirWatcher exitDirWatcher;

    public ConmonMonitorStrategy(String name, boolean stayChild, PluginContext context) {
        this.name = name;
        this.stayChild = stayChild;
        this.launcher = new ConmonLauncher(
                Path.of(context.setting("conmon-path", "/usr/bin/conmon")),
                context.setting("log-level", "warning"),
                context.deadlines(), context.processes());
        this.exitFiles = new ExitFiles(context.stateDir().resolve("exits"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MonitorHandle launch(LaunchRequest request) throws MonitorException {
        ConmonLauncher.Launched launched = launcher.launch(request, exitFiles.exitDir(), stayChild);
        MonitorRecord record = new MonitorRecord(name, launched.monitor(), launched.container(), launched.attributes());
        return new Handle(record, launched.child(), exitWatcher.watch(launched.monitor(), launched.child()));
    }

    @Override
    public MonitorHandle adopt(MonitorRecord record) {
        ProcessIdentity monitor = record.monitor();
        // a lazy monitor stays our child only within the daemon process that launched it
        boolean child = monitor.parentPid().map(ppid -> ppid == ownPid).orElse(false);
        return new Handle(record, child, exitWatcher.watch(monitor, child));
    }

    @Override
    public Optional<MonitorRecord> locate(LaunchRequest request, ProcessIdentity container) {
        return ConmonLauncher.monitorOf(request)
                .filter(monitor -> container.parentPid().map(ppid -> ppid == monitor.pid()).orElse(false))
                .map(monitor -> new MonitorRecord(name, monitor, container, ConmonLauncher.attributes(request)));
    }

    @Override
    public Optional<ExitReport> exitStatus(String containerId, Path containerDir) {
        return exitFiles.read(containerId, containerDir);
    }

    @Override
    public void clearExitStatus(String containerId, Path containerDir) throws IOException {
        exitFiles.clear(containerId, containerDir);
    }

    @Override
    public synchronized void watchExits(Consumer<String> listener) {
        if (exitDirWatcher != null) {
            throw new MonitorException("exits of monitor " + name + " are watched already");
        }
        try {
            Files.createDirectories(exitFiles.exitDir());
            exitDirWatcher = new ExitDirWatcher(exitFiles.exitDir(), listener);
        } catch (IOException e) {
            throw new MonitorException("cannot watch " + exitFiles.exitDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public LogCursor openLog(Path logFile) {
        return new K8sFileLogCursor(logFile);
    }

    @Override
    public AttachSession attach(MonitorRecord record, AttachSession.Listener listener) {
        String socket = record.attributes().get(ConmonLauncher.ATTACH_SOCKET);
        if (socket == null) {
            throw new MonitorException("this monitor record has no attach socket");
        }
        return AttachSocket.connect(Path.of(socket), listener);
    }

    @Override
    public synchronized void close() {
        exitWatcher.close();
        if (exitDirWatcher != null) {
            try {
                exitDirWatcher.close();
            } catch (IOException e) {
                // closing on the way out
            }
        }
    }

    private record Handle(MonitorRecord record, boolean child, CompletableFuture<Void> exit) implements MonitorHandle {
        @Override
        public boolean isChildOfThisDaemon() {
            return child;
        }

        @Override
        public CompletionStage<Void> monitorExit() {
            return exit;
        }
    }
}
