package io.hydra.cli.containers;

import io.hydra.api.v1.TopResponse;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "top", description = "The container's processes.")
public final class Top extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        TopResponse top = c.containers().top(ref());
        out().printf("%-8s  %-8s  %-5s  %-10s  %s%n", "PID", "PPID", "STATE", "RSS", "COMMAND");
        top.getProcessesList().forEach(p -> out().printf("%-8d  %-8d  %-5s  %-10s  %s%n", p.getPid(), p.getPpid(),
                p.getState(), p.getRssBytes() / 1024 + "K", p.getCommand()));
        return 0;
    }
}
