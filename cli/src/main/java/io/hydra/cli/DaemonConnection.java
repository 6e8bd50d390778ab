package io.hydra.cli;

import java.io.File;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.hydra.api.v1.CheckpointsGrpc;
import io.hydra.api.v1.ContainersGrpc;
import io.hydra.api.v1.EventsGrpc;
import io.hydra.api.v1.ImagesGrpc;
import io.hydra.api.v1.MigrationsGrpc;
import io.hydra.api.v1.SystemGrpc;

/** One gRPC channel to the daemon: {@code unix:///path} or {@code tcp://host:port} with mutual TLS. */
public final class DaemonConnection implements AutoCloseable {
    /** Netty warns about socket options a Unix socket ignores; the user can do nothing about it. Held: JUL keeps
     * loggers weakly, and a collected logger forgets its level. */
    private static final java.util.logging.Logger NETTY = java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty");

    static {
        NETTY.setLevel(java.util.logging.Level.SEVERE);
    }

    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;
    final String host;

    DaemonConnection(String host, File cert, File key, File ca) {
        this.host = host;
        try {
            if (host.startsWith("unix://")) {
                channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(host.substring("unix://".length())))
                        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
                        .maxInboundMessageSize(64 << 20).build();
            } else if (host.startsWith("tcp://")) {
                if (cert == null || key == null || ca == null) {
                    throw new IllegalArgumentException("tcp:// needs --tls-cert, --tls-key and --tls-ca (mutual TLS)");
                }
                String hostPort = host.substring("tcp://".length());
                int colon = hostPort.lastIndexOf(':');
                channel = NettyChannelBuilder.forAddress(hostPort.substring(0, colon),
                                Integer.parseInt(hostPort.substring(colon + 1)))
                        .eventLoopGroup(group).channelType(EpollSocketChannel.class)
                        .sslContext(GrpcSslContexts.forClient().keyManager(cert, key).trustManager(ca).build())
                        .build();
            } else {
                throw new IllegalArgumentException("--host must be unix:///PATH or tcp://HOST:PORT, got '" + host + "'");
            }
        } catch (javax.net.ssl.SSLException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IllegalArgumentException("TLS set-up failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public ContainersGrpc.ContainersBlockingStub containers() {
        return ContainersGrpc.newBlockingStub(channel);
    }

    public ContainersGrpc.ContainersStub containersAsync() {
        return ContainersGrpc.newStub(channel);
    }

    public CheckpointsGrpc.CheckpointsBlockingStub checkpoints() {
        return CheckpointsGrpc.newBlockingStub(channel);
    }

    /** Live migration (cluster.proto's Migrations): Migrate streams progress, then the summary. */
    public MigrationsGrpc.MigrationsBlockingStub migrations() {
        return MigrationsGrpc.newBlockingStub(channel);
    }

    public EventsGrpc.EventsBlockingStub events() {
        return EventsGrpc.newBlockingStub(channel);
    }

    public ImagesGrpc.ImagesBlockingStub images() {
        return ImagesGrpc.newBlockingStub(channel);
    }

    public SystemGrpc.SystemBlockingStub system() {
        return SystemGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
