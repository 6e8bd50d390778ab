package io.hydra.runtime.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.PeerGrpc;
import io.hydra.api.v1.PrefetchRequest;
import io.hydra.api.v1.PrefetchResponse;
import io.hydra.api.v1.ProbeRequest;
import io.hydra.api.v1.ProbeResponse;
import io.hydra.spi.cluster.Coordinator;

/**
 * The node-to-node {@code Peer} service, served only on the TCP endpoint (mutual TLS: only holders of a node
 * certificate of the cluster's CA can ask). It tells a node that lost the coordinator whether this one still
 * reaches it, and which of the asked directories exist here (for placing a {@code --rootfs} container).
 */
public final class PeerApi extends PeerGrpc.PeerImplBase {
    /** Short enough that the answer beats the asker's deadline ({@link Fencing#PROBE_DEADLINE}) with room. */
    static final Duration REACHABLE_TIMEOUT = Duration.ofMillis(150);
    private static final int MAX_PATHS = 256;

    private final String nodeId;
    private final Predicate<Duration> coordinatorAnswers;
    private final BooleanSupplier confirmedJustNow;
    private final Prefetcher prefetcher;

    /**
     * @param coordinatorAnswers {@link Coordinator#reachable}: whether the engine answers within the time given
     * @param confirmedJustNow   whether this node's own lease was confirmed by the engine moments ago: then "yes"
     *                           needs no call (an answer that makes the asker freeze may be a little old; one that
     *                           lets it keep running is always asked of the engine now)
     */
    public PeerApi(String nodeId, Predicate<Duration> coordinatorAnswers, BooleanSupplier confirmedJustNow) {
        this(nodeId, coordinatorAnswers, confirmedJustNow, Prefetcher.NONE);
    }

    /** @param prefetcher pulls a version's packs into this node's cache when a migration's source asks */
    public PeerApi(String nodeId, Predicate<Duration> coordinatorAnswers, BooleanSupplier confirmedJustNow,
                   Prefetcher prefetcher) {
        this.nodeId = nodeId;
        this.coordinatorAnswers = coordinatorAnswers;
        this.confirmedJustNow = confirmedJustNow;
        this.prefetcher = prefetcher;
    }

    /**
     * Pulls a version ahead of a migration's restore. The asker is a node of the cluster (mutual TLS), and what it
     * names is only read from the shared store into this node's cache: the restore verifies every byte anyway.
     */
    @Override
    public void prefetch(PrefetchRequest request, StreamObserver<PrefetchResponse> observer) {
        String id = request.getContainerId();
        if (!id.matches("[0-9a-f]{12,64}")) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("prefetch: '" + id
                    + "' is not a container id (12 to 64 lowercase hex digits)").asRuntimeException());
            return;
        }
        if (request.getVersion() < 1) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("prefetch: version must be at least 1, got "
                    + request.getVersion()).asRuntimeException());
            return;
        }
        long start = System.nanoTime();
        try {
            Prefetcher.Prefetched done = prefetcher.prefetch(id, request.getVersion());
            observer.onNext(PrefetchResponse.newBuilder().setFetchedBytes(done.fetchedBytes())
                    .setCachedBytes(done.cachedBytes())
                    .setDurationMs((System.nanoTime() - start) / 1_000_000).build());
            observer.onCompleted();
        } catch (java.io.IOException | RuntimeException e) {
            observer.onError(Status.UNAVAILABLE.withDescription("node " + nodeId + " could not prefetch version "
                    + request.getVersion() + " of " + id + ": " + e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> observer) {
        if (request.getPathsCount() > MAX_PATHS) {
            observer.onError(Status.INVALID_ARGUMENT.withDescription("a probe asks about at most " + MAX_PATHS
                    + " paths, got " + request.getPathsCount()).asRuntimeException());
            return;
        }
        ProbeResponse.Builder answer = ProbeResponse.newBuilder().setNode(nodeId);
        for (String p : request.getPathsList()) {
            if (isDirectory(p)) {
                answer.addPresentPaths(p);
            }
        }
        boolean reachable;
        try {
            reachable = confirmedJustNow.getAsBoolean() || coordinatorAnswers.test(REACHABLE_TIMEOUT);
        } catch (RuntimeException e) {
            reachable = false;
        }
        observer.onNext(answer.setCoordinatorReachable(reachable).build());
        observer.onCompleted();
    }

    private static boolean isDirectory(String text) {
        try {
            Path p = Path.of(text);
            return p.isAbsolute() && Files.isDirectory(p);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
