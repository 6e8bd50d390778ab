package io.hydra.cli.checkpoints;

import io.hydra.api.v1.CheckpointRequest;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "checkpoint", description = "Checkpoint a running container into the repository.")
public final class Checkpoint extends TransferCommand {
    @Option(names = "--leave-running", description = "keep it running (default: it stops, status checkpointed)")
    boolean leaveRunning;

    @Option(names = "--tcp-established", description = "dump established TCP connections")
    boolean tcpEstablished;

    @Option(names = "--file-locks", description = "dump file locks")
    boolean fileLocks;

    @Override
    protected int call(DaemonConnection c) {
        return follow(c.checkpoints().checkpoint(CheckpointRequest.newBuilder().setName(name)
                .setLeaveRunning(leaveRunning).setTcpEstablished(tcpEstablished).setFileLocks(fileLocks).build()),
                "checkpointed");
    }
}
