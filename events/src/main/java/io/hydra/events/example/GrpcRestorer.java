package io.hydra.events.example;

import java.util.Iterator;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.hydra.api.v1.CheckpointProgress;
import io.hydra.api.v1.CheckpointsGrpc;
import io.hydra.api.v1.RestoreRequest;

/** Restores through a Hydra daemon's gRPC API on its Unix socket: {@code Checkpoints.Restore}, newest version. */
public final class GrpcRestorer implements RestoreOnFailure.Restorer, AutoCloseable {
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private GrpcRestorer(EventLoopGroup group, ManagedChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static GrpcRestorer connect(String host) {
        if (!host.startsWith("unix://")) {
            throw new IllegalArgumentException("--hydra must be unix:///PATH, got '" + host + "'");
        }
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(host.substring(7)))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
        return new GrpcRestorer(group, channel);
    }

    @Override
    public String restoreNewest(String containerId) {
        try {
            Iterator<CheckpointProgress> progress = CheckpointsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.MINUTES)
                    .restore(RestoreRequest.newBuilder().setName(containerId).build());
            CheckpointProgress last = null;
            while (progress.hasNext()) {
                last = progress.next();
            }
            if (last == null || !last.hasSummary()) {
                throw new IllegalStateException("the daemon ended the restore without a summary");
            }
            return "version " + last.getSummary().getVersion() + ", now " + last.getContainer().getStatus()
                    + " with pid " + last.getContainer().getPid();
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException(e.getStatus().getDescription() != null ? e.getStatus().getDescription()
                    : e.getStatus().getCode().toString(), e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
