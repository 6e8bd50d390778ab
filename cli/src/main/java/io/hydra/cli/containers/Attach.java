package io.hydra.cli.containers;

import io.hydra.api.v1.Container;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "attach", description = "Connect to a running container's output (and stdin, if it was"
        + " created with -i); exit with its code when it exits. With a tty, ctrl-p ctrl-q detaches and leaves it"
        + " running.")
public final class Attach extends NamedCommand {
    @Option(names = "--no-stdin", description = "do not send our stdin")
    boolean noStdin;

    @Override
    protected int call(DaemonConnection c) throws Exception {
        Container target = c.containers().inspect(ref());
        boolean tty = target.getTty();
        boolean detached;
        try (RawTerminal terminal = tty && !noStdin ? RawTerminal.enterIfTerminal(stdinIsProcessStdin()) : null) {
            detached = Attachment.run(c, name, noStdin ? null : stdin(), this::write, null, tty);
        }
        if (detached) {
            return 0;
        }
        return ExitStatus.of(name, c.containers().wait(ref()), err());
    }
}
