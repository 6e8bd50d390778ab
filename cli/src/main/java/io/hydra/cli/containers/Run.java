package io.hydra.cli.containers;

import java.util.Iterator;

import io.hydra.api.v1.Container;
import io.hydra.api.v1.LogChunk;
import io.hydra.api.v1.LogsRequest;
import io.hydra.api.v1.Ref;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Create and start a container; attached, exit with its code (127: the"
        + " command is not found in the rootfs, 126: it cannot be executed).")
public final class Run extends CreateOptions {
    @Option(names = {"-d", "--detach"}, description = "print the id and return")
    boolean detach;

    @Override
    protected int call(DaemonConnection c) throws Exception {
        if (interactive && !detach) {
            // attach before start, so no output is missed and stdin reaches the first read
            Container created = c.containers().create(request(false));
            Ref ref = Ref.newBuilder().setName(created.getId()).build();
            Attachment.run(c, created.getId(), stdin(), this::write, () -> c.containers().start(ref));
            return ExitStatus.of(created.getName(), c.containers().wait(ref), err());
        }
        Container created = c.containers().create(request(true));
        if (detach) {
            out().println(created.getId());
            return 0;
        }
        Iterator<LogChunk> logs = c.containers().logs(LogsRequest.newBuilder().setName(created.getId())
                .setFollow(true).build());
        logs.forEachRemaining(this::write);
        return ExitStatus.of(created.getName(), c.containers().wait(Ref.newBuilder().setName(created.getId()).build()),
                err());
    }
}
