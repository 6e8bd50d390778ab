package io.hydra.runtime.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.PeerGrpc;
import io.hydra.api.v1.PrefetchRequest;
import io.hydra.api.v1.PrefetchResponse;
import io.hydra.api.v1.ProbeRequest;
import io.hydra.api.v1.ProbeResponse;

/**
 * Asks other nodes' {@code Peer.Probe} over gRPC with mutual TLS (this node's certificate, the cluster's CA), all at
 * once and within one deadline: fencing must decide in a fraction of a lease, so a node that does not answer in
 * time counts as one that did not answer at all. Channels are kept per address and reused.
 */
public final class PeerClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerClient.class);

    private final String self;
    private final SslContext ssl;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public PeerClient(String self, Path cert, Path key, Path ca) {
        this.self = self;
        try {
            this.ssl = GrpcSslContexts.forClient().trustManager(ca.toFile()).keyManager(cert.toFile(), key.toFile())
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot set up mutual TLS to the other nodes with --tls-cert " + cert
                    + ", --tls-key " + key + " and --tls-ca " + ca + ": " + e.getMessage(), e);
        }
    }

    /**
     * Probes every peer in parallel; the answers of those that replied within {@code deadline}, by node id.
     *
     * @param paths directories whose existence each peer is asked about (empty: only the coordinator question)
     */
    public Map<String, ProbeResponse> probeAll(Collection<NodeRecord> peers, List<String> paths, Duration deadline) {
        ProbeRequest request = ProbeRequest.newBuilder().setFromNode(self).addAllPaths(paths).build();
        Map<String, CompletableFuture<ProbeResponse>> calls = new TreeMap<>();
        for (NodeRecord peer : peers) {
            if (peer.id().equals(self) || peer.address().isEmpty()) {
                continue;
            }
            CompletableFuture<ProbeResponse> answer = new CompletableFuture<>();
            try {
                PeerGrpc.newStub(channel(peer.address())).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                        .probe(request, new StreamObserver<>() {
                            @Override
                            public void onNext(ProbeResponse value) {
                                answer.complete(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                answer.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                answer.completeExceptionally(new IOException("no answer"));
                            }
                        });
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
            calls.put(peer.id(), answer);
        }
        long until = System.nanoTime() + deadline.toNanos() + TimeUnit.MILLISECONDS.toNanos(50);
        Map<String, ProbeResponse> answers = new TreeMap<>();
        List<String> silent = new ArrayList<>();
        for (var call : calls.entrySet()) {
            try {
                long left = Math.max(0, until - System.nanoTime());
                answers.put(call.getKey(), call.getValue().get(left, TimeUnit.NANOSECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                silent.add(call.getKey() + " (" + e.getCause().getMessage() + ")");
            } catch (java.util.concurrent.TimeoutException e) {
                silent.add(call.getKey() + " (no answer within " + deadline.toMillis() + " ms)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                silent.add(call.getKey() + " (interrupted)");
            }
        }
        if (!silent.isEmpty()) {
            LOG.infof("peers did not answer a probe: %s", String.join(", ", silent));
        }
        return answers;
    }

    /** Asks {@code peer} to pull a version's packs into its cache; blocks up to {@code deadline}. */
    public PrefetchResponse prefetch(NodeRecord peer, String containerId, long version, Duration deadline) {
        return PeerGrpc.newBlockingStub(channel(peer.address()))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .prefetch(PrefetchRequest.newBuilder().setFromNode(self).setContainerId(containerId)
                        .setVersion(version).build());
    }

    /**
     * Opens (or keeps open) a connection to each peer, so that a probe in a hurry does not pay for a TLS handshake:
     * fencing has a fraction of a second to hear its peers.
     */
    public void connect(Collection<NodeRecord> peers) {
        for (NodeRecord peer : peers) {
            if (!peer.id().equals(self) && !peer.address().isEmpty()) {
                channel(peer.address()).getState(true);
            }
        }
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a).sslContext(ssl).build());
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        channels.clear();
    }
}
