package io.hydra.conmon;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.hydra.spi.monitor.AttachSession;
import io.hydra.spi.monitor.LaunchRequest;
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

    public ConmonMonitorStrategy(String name, boolean stayChild, PluginContext context) {
        this.name = name;
        this.stayChild = stayChild;
        this.launcher = new ConmonLauncher(
                Path.of(context.setting("conmon-path", "/usr/bin/conmon")),
                context.setting("log-level", "warning"),
                Long.parseLong(context.setting("create-timeout-ms", "60000")));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MonitorHandle launch(LaunchRequest request) throws MonitorException {
        ConmonLauncher.Launched launched = launcher.launch(request, name, stayChild);
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
    public AttachSession attach(MonitorRecord record, AttachSession.Listener listener) {
        String socket = record.attributes().get(ConmonLauncher.ATTACH_SOCKET);
        if (socket == null) {
            throw new MonitorException("this monitor record has no attach socket");
        }
        return AttachSocket.connect(Path.of(socket), listener);
    }

    @Override
    public void close() {
        exitWatcher.close();
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
