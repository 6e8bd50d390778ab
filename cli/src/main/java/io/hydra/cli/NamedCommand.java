package io.hydra.cli;

import io.hydra.api.v1.Ref;
import picocli.CommandLine.Parameters;

/** A subcommand about one container, named by its first argument. */
public abstract class NamedCommand extends DaemonCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "container name or id")
    protected String name;

    protected Ref ref() {
        return Ref.newBuilder().setName(name).build();
    }
}
