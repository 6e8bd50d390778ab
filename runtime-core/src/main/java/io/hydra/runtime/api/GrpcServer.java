package io.hydra.runtime.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;

/**
 * The gRPC endpoints. The API is root-equivalent, so the Unix socket is bound inside a private directory, given
 * its final mode there, and only then renamed into place: at no instant can anyone else connect. TCP is served
 * only with mutual TLS.
 */
public final class GrpcServer implements AutoCloseable {
    private final EventLoopGroup boss = new EpollEventLoopGroup(1);
    private final EventLoopGroup workers = new EpollEventLoopGroup(2);
    private final Path socket;
    private Server unixServer;
    private Server tcpServer;

    public GrpcServer(Path socket) {
        this.socket = socket;
    }

    /** sun_path is 108 bytes with its terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    /**
     * The 0700 directory the socket is bound in before it is moved into place: a short name, because a bound path
     * must fit in sun_path and this one is longer than the socket's own.
     */
    private static Path shortPrivateDirectory(Path parent) throws IOException {
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int attempt = 0; ; attempt++) {
            Path dir = parent.resolve(".h" + Integer.toHexString(0x100000 + random.nextInt(0xF00000)));
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    public void startUnix(Optional<String> group, List<BindableService> services, Executor executor) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Files.deleteIfExists(socket); // stale from a killed daemon; we hold the root's lock, so no one serves it
        Path staging = shortPrivateDirectory(parent);
        Path staged = staging.resolve("s");
        for (Path p : List.of(socket.toAbsolutePath(), staged)) {
            if (p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
                Files.deleteIfExists(staging);
                throw new IllegalStateException("the socket path " + socket.toAbsolutePath() + " is too long for a"
                        + " Unix socket (binding needs " + p + ", the limit is " + MAX_SOCKET_PATH_BYTES
                        + " bytes): choose a shorter --socket");
            }
        }
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(staged.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                    .executor(executor);
            services.forEach(builder::addService);
            unixServer = builder.build().start();
            if (group.isPresent()) {
                GroupPrincipal principal = staged.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group.get());
                Files.getFileAttributeView(staged, PosixFileAttributeView.class).setGroup(principal);
                Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-rw----"));
            } else {
                Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            }
            Files.move(staged, socket, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(staged);
            Files.deleteIfExists(staging);
        }
    }

    public void startTcp(String listen, Path cert, Path key, Path ca, List<BindableService> services, Executor executor)
            throws IOException {
        startTcp(listen, cert, key, ca, services, List.of(), executor);
    }

    /**
     * @param tcpOnly services served on this endpoint alone (node to node: only peers holding a certificate of
     *                the cluster's CA may call them), never on the Unix socket
     */
    public void startTcp(String listen, Path cert, Path key, Path ca, List<BindableService> services,
                         List<BindableService> tcpOnly, Executor executor) throws IOException {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("hydra.listen must be HOST:PORT, got '" + listen + "'");
        }
        InetSocketAddress address = new InetSocketAddress(listen.substring(0, colon),
                Integer.parseInt(listen.substring(colon + 1)));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                .channelType(io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel.class)
                .sslContext(GrpcSslContexts.forServer(cert.toFile(), key.toFile())
                        .trustManager(ca.toFile()).clientAuth(ClientAuth.REQUIRE).build())
                .executor(executor);
        services.forEach(builder::addService);
        tcpOnly.forEach(builder::addService);
        tcpServer = builder.build().start();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        for (Server s : new Server[] {unixServer, tcpServer}) {
            if (s != null) {
                s.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
            }
        }
        Files.deleteIfExists(socket);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
