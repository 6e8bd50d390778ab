package io.hydra.cli.containers;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.Container;
import io.hydra.api.v1.LogChunk;
import io.hydra.api.v1.LogsRequest;
import io.hydra.api.v1.Ref;
import io.hydra.api.v1.WaitResponse;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", description = "Create and start a container; attached, exit with its code (125: the daemon refused, 127: the"
        + " command is not found in the rootfs, 126: it cannot be executed). With -t, ctrl-p ctrl-q detaches.")
public final class Run extends CreateOptions {
    @Option(names = {"-d", "--detach"}, description = "print the id and return")
    boolean detach;

    @Override
    protected int call(DaemonConnection c) throws Exception {
        if (detach) {
            out().println(c.containers().create(request(true)).getId());
            return 0;
        }
        if (interactive || tty) {
            // attach before start, so no output is missed and stdin reaches the first read
            Container created = c.containers().create(request(false));
            Ref ref = Ref.newBuilder().setName(created.getId()).build();
            CompletableFuture<WaitResponse> exit = waitFor(c, ref);
            boolean detached;
            try (RawTerminal terminal = tty && interactive ? RawTerminal.enterIfTerminal(stdinIsProcessStdin()) : null) {
                detached = Attachment.run(c, created.getId(), interactive ? stdin() : null, this::write,
                        () -> start(c, ref), tty);
            }
            if (detached) {
                return 0;
            }
            return ExitStatus.of(created.getName(), exit.get(), err());
        }
        Container created = c.containers().create(request(false));
        Ref ref = Ref.newBuilder().setName(created.getId()).build();
        // asked before it starts: with --rm the container is gone soon after it exits
        CompletableFuture<WaitResponse> exit = waitFor(c, ref);
        start(c, ref);
        Iterator<LogChunk> logs = c.containers().logs(LogsRequest.newBuilder().setName(created.getId())
                .setFollow(true).build());
        try {
            logs.forEachRemaining(this::write);
        } catch (io.grpc.StatusRuntimeException e) {
            // removed (--rm) while we read its end: what it wrote has been copied
            if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        return ExitStatus.of(created.getName(), exit.get(), err());
    }

    /** Run is one step for the user: a container that could not start is not left behind. */
    private static void start(DaemonConnection c, Ref ref) {
        try {
            c.containers().start(ref);
        } catch (RuntimeException e) {
            removeQuietly(c, ref.getName());
            throw e;
        }
    }

    private static void removeQuietly(DaemonConnection c, String id) {
        try {
            c.containers().remove(io.hydra.api.v1.RemoveRequest.newBuilder().setName(id).setForce(true).build());
        } catch (RuntimeException ignored) {
            // the start's own error is the one to report
        }
    }

    private static CompletableFuture<WaitResponse> waitFor(DaemonConnection c, Ref ref) {
        CompletableFuture<WaitResponse> f = new CompletableFuture<>();
        c.containersAsync().wait(ref, new StreamObserver<>() {
            @Override
            public void onNext(WaitResponse value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                f.completeExceptionally(new IllegalStateException("the daemon answered wait without a status"));
            }
        });
        return f;
    }
}
