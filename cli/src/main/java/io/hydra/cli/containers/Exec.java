package io.hydra.cli.containers;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.hydra.api.v1.ExecOutput;
import io.hydra.api.v1.ExecRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.ExitCodes;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exec", description = "Run a command in a running container; exit with its code (127: the"
        + " command is not found in the container, 126: it cannot be executed).")
public final class Exec extends NamedCommand {
    @Parameters(index = "1..*", paramLabel = "CMD", description = "command and arguments, after --")
    List<String> command = new ArrayList<>();

    @Option(names = {"-e", "--env"}, description = "KEY=VALUE")
    List<String> envVars = new ArrayList<>();

    @Override
    protected int call(DaemonConnection c) {
        if (command.isEmpty()) {
            throw usageError("exec needs a command: hydra exec NAME -- CMD");
        }
        Iterator<ExecOutput> outputs = c.containers().exec(ExecRequest.newBuilder().setName(name)
                .addAllArgs(command).addAllEnv(envVars).build());
        int code = ExitCodes.FAILED;
        while (outputs.hasNext()) {
            ExecOutput o = outputs.next();
            if (o.hasOutput()) {
                write(o.getOutput());
            } else {
                code = o.getExitCode();
            }
        }
        return code;
    }
}
