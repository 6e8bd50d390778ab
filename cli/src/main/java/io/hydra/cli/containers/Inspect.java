package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;

@Command(name = "inspect", description = "Everything known about a container, as JSON.")
public final class Inspect extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println(Json.write(Json.container(c.containers().inspect(ref()), true)));
        return 0;
    }
}
