package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;

@Command(name = "create", description = "Create a container without starting it (125: the daemon refused, 127: its command is not"
        + " found in the rootfs, 126: it cannot be executed).")
public final class Create extends CreateOptions {
    @Override
    protected int call(DaemonConnection c) {
        out().println(c.containers().create(request(false)).getId());
        return 0;
    }
}
