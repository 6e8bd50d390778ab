package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "attach", description = "Connect to a running container's output (and stdin, if it was"
        + " created with -i); exit with its code when it exits.")
public final class Attach extends NamedCommand {
    @Option(names = "--no-stdin", description = "do not send our stdin")
    boolean noStdin;

    @Override
    protected int call(DaemonConnection c) throws Exception {
        Attachment.run(c, name, noStdin ? null : stdin(), this::write, null);
        return ExitStatus.of(name, c.containers().wait(ref()), err());
    }
}
