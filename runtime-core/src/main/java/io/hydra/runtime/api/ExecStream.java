package io.hydra.runtime.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.hydra.api.v1.ExecOutput;
import io.hydra.api.v1.LogChunk;

/**
 * An exec's output as a {@link StreamPoller.Pump}: its pipes are read only while the client can take more (the
 * process then blocks on a full pipe, as it would on a slow terminal) and only what is available, so no thread
 * waits on them; the last message carries the exit code. A client that goes away has the exec terminated (SIGTERM, then SIGKILL after a grace).
 */
final class ExecStream implements StreamPoller.Pump {
    private static final int READ_BYTES = 64 << 10;
    private static final int TURN_BUDGET = 1 << 20;
    /** runc's status when it could not start the process; its message then says why. */
    private static final int RUNC_EXEC_FAILED = 255;
    /** How long an exec whose client left has to end on SIGTERM before it is killed. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private final ServerCallStreamObserver<ExecOutput> call;
    private final Process process;
    private final StreamPoller poller;
    private final StringBuilder stderrHead = new StringBuilder();
    private boolean finished;

    ExecStream(ServerCallStreamObserver<ExecOutput> call, Process process, StreamPoller poller) {
        this.call = call;
        this.process = process;
        this.poller = poller;
    }

    @Override
    public StreamPoller.Next pump() throws IOException {
        int sent = 0;
        while (sent < TURN_BUDGET) {
            if (!call.isReady()) {
                return StreamPoller.Next.BLOCKED;
            }
            // whether it had exited is asked before draining, so nothing written before the exit is left behind
            boolean exited = !process.isAlive();
            int n = forward(process.getInputStream(), false) + forward(process.getErrorStream(), true);
            if (n == 0) {
                if (!exited) {
                    return StreamPoller.Next.IDLE;
                }
                finished = true;
                call.onNext(ExecOutput.newBuilder().setExitCode(exitCode(process.exitValue())).build());
                call.onCompleted();
                return StreamPoller.Next.DONE;
            }
            sent += n;
        }
        return StreamPoller.Next.MORE;
    }

    private int forward(InputStream in, boolean stderr) throws IOException {
        // available() only: a pipe held open by a background child of the exec must not block the poller
        int available = in.available();
        if (available <= 0) {
            return 0;
        }
        byte[] buffer = new byte[Math.min(available, READ_BYTES)];
        int n = in.read(buffer);
        if (n <= 0) {
            return 0;
        }
        if (stderr && stderrHead.length() < 4096) {
            stderrHead.append(new String(buffer, 0, Math.min(n, 4096), StandardCharsets.UTF_8));
        }
        call.onNext(ExecOutput.newBuilder().setOutput(LogChunk.newBuilder()
                .setStream(stderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                .setData(ByteString.copyFrom(buffer, 0, n))).build());
        poller.countSent(n);
        return n;
    }

    /**
     * runc reports a process it could not start with its own status 255 and a message: the shell's codes say it
     * better (127 not found, 126 not executable), in case the command vanished after the daemon looked for it.
     */
    private int exitCode(int status) {
        if (status == RUNC_EXEC_FAILED && stderrHead.indexOf("exec failed") >= 0) {
            String m = stderrHead.toString();
            if (m.contains("executable file not found") || m.contains("no such file or directory")) {
                return ExecCommand.NOT_FOUND;
            }
            if (m.contains("permission denied")) {
                return ExecCommand.NOT_EXECUTABLE;
            }
        }
        return status;
    }

    /** An exec is often a short command someone waits on: look at its pipes more often than at a log. */
    @Override
    public long idleMillis() {
        return 25;
    }

    @Override
    public void close() {
        if (!finished && process.isAlive()) {
            // the exec'd process is runc's child (runc's init stages clone with CLONE_PARENT): taken now, before a
            // runc that exits would leave it reparented and out of reach
            List<ProcessHandle> tree = new ArrayList<>(process.toHandle().descendants().toList());
            tree.add(process.toHandle());
            process.destroy(); // runc passes SIGTERM on to the process it runs
            // one that ignores SIGTERM would run on unseen after its client left: SIGKILL what is left after a grace
            CompletableFuture.delayedExecutor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly));
        }
        try {
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
