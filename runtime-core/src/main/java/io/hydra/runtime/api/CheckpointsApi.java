package io.hydra.runtime.api;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.CheckpointList;
import io.hydra.api.v1.CheckpointProgress;
import io.hydra.api.v1.CheckpointRequest;
import io.hydra.api.v1.CheckpointSummary;
import io.hydra.api.v1.CheckpointVersion;
import io.hydra.api.v1.CheckpointsGrpc;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.Policy;
import io.hydra.api.v1.PolicyRequest;
import io.hydra.api.v1.Ref;
import io.hydra.api.v1.RemoveCheckpointRequest;
import io.hydra.api.v1.RestoreRequest;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointPolicies;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.state.CheckpointPolicy;
import io.hydra.spi.checkpoint.CheckpointOptions;

/** The Checkpoints gRPC service; when checkpoints are unavailable on this node, every call says why. */
public final class CheckpointsApi extends CheckpointsGrpc.CheckpointsImplBase {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final CheckpointService checkpoints;
    private final CheckpointPolicies policies;
    private final String unavailable;
    private final ExecutorService streams;
    private final Consumer<String> policyChanged;

    /** @param unavailable why checkpoints cannot work here, or null when they can */
    public CheckpointsApi(CheckpointService checkpoints, CheckpointPolicies policies, String unavailable,
                          ExecutorService streams) {
        this(checkpoints, policies, unavailable, streams, id -> { });
    }

    /**
     * @param policyChanged told the container's id after its policy was set or removed (the cluster's ownership
     *                      record follows at once: whether the container is protected changed)
     */
    public CheckpointsApi(CheckpointService checkpoints, CheckpointPolicies policies, String unavailable,
                          ExecutorService streams, Consumer<String> policyChanged) {
        this.checkpoints = checkpoints;
        this.policies = policies;
        this.unavailable = unavailable;
        this.streams = streams;
        this.policyChanged = policyChanged;
    }

    private void requireAvailable() {
        if (unavailable != null) {
            throw HydraException.failed("checkpoints are unavailable on this node: " + unavailable);
        }
    }

    @Override
    public void checkpoint(CheckpointRequest req, StreamObserver<CheckpointProgress> observer) {
        stream(observer, progress -> {
            requireAvailable();
            return checkpoints.checkpoint(req.getName(), new CheckpointOptions(req.getLeaveRunning(),
                    java.util.Optional.empty(), req.getTcpEstablished(), req.getFileLocks()), progress);
        });
    }

    @Override
    public void restore(RestoreRequest req, StreamObserver<CheckpointProgress> observer) {
        stream(observer, progress -> {
            requireAvailable();
            return checkpoints.restore(req.getName(), req.getVersion(), req.getAs(), progress);
        });
    }

    /**
     * Runs a long operation off the gRPC thread, streaming its progress and then its summary. The thread is the
     * operation's own (it works all along); a client that goes away does not stop a checkpoint or restore midway.
     */
    private void stream(StreamObserver<CheckpointProgress> observer,
                        Function<ProgressListener, CheckpointService.Outcome> operation) {
        ServerCallStreamObserver<CheckpointProgress> call = (ServerCallStreamObserver<CheckpointProgress>) observer;
        streams.execute(() -> {
            long[] lastSent = {0};
            ProgressListener progress = (phase, done, total) -> {
                long now = System.nanoTime();
                if (now - lastSent[0] < 100_000_000L && phase != ProgressListener.Phase.DONE) {
                    return;
                }
                synchronized (call) {
                    // a later message supersedes this one: a client that cannot take it now just skips it, so a
                    // slow reader of a long operation is never buffered for
                    if (!call.isCancelled() && call.isReady()) {
                        lastSent[0] = now;
                        call.onNext(CheckpointProgress.newBuilder().setPhase(phase.name().toLowerCase())
                                .setDone(done).setTotal(total).build());
                    }
                }
            };
            try {
                CheckpointService.Outcome o = operation.apply(progress);
                synchronized (call) {
                    call.onNext(CheckpointProgress.newBuilder().setPhase("done")
                            .setSummary(CheckpointSummary.newBuilder().setVersion(o.version())
                                    .setLogicalBytes(o.logicalBytes()).setStoredBytes(o.storedBytes())
                                    .setMovedBytes(o.movedBytes()).setFrozenMs(o.frozenMillis())
                                    .setDurationMs(o.duration().toMillis()))
                            .setContainer(Protos.container(o.container(), false)).build());
                    call.onCompleted();
                }
            } catch (RuntimeException e) {
                synchronized (call) {
                    if (!call.isCancelled()) {
                        call.onError(GrpcErrors.toStatus(e));
                    }
                }
            }
        });
    }

    @Override
    public void list(Ref req, StreamObserver<CheckpointList> observer) {
        GrpcErrors.unary(observer, () -> {
            requireAvailable();
            CheckpointList.Builder b = CheckpointList.newBuilder();
            for (io.hydra.runtime.checkpoint.repo.CheckpointVersion v : checkpoints.versions(req.getName())) {
                b.addVersions(CheckpointVersion.newBuilder().setVersion(v.version())
                        .setCreatedAt(v.createdAt().toString()).setBytes(v.logicalBytes())
                        .setStoredBytes(v.storedBytes())
                        .setFrozenMs(Long.parseLong(v.metadata().getOrDefault("frozenMs", "0")))
                        .setComplete(v.complete()).setNode(v.metadata().getOrDefault("node", ""))
                        .setContainerId(v.containerId()).setContainerName(v.containerName()));
            }
            return b.build();
        });
    }

    @Override
    public void remove(RemoveCheckpointRequest req, StreamObserver<Empty> observer) {
        GrpcErrors.unary(observer, () -> {
            requireAvailable();
            checkpoints.remove(req.getName(), req.getVersion());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void setPolicy(PolicyRequest req, StreamObserver<Policy> observer) {
        GrpcErrors.unary(observer, () -> {
            requireAvailable();
            if (req.getRemove()) {
                policyChanged.accept(policies.remove(req.getName()));
                return Policy.newBuilder().setContainer(req.getName()).build();
            }
            if (req.getKeep() <= 0) {
                throw HydraException.invalid("--keep must be a positive number");
            }
            CheckpointPolicy p = policies.set(req.getName(), duration(req.getEvery()), req.getKeep(),
                    req.getNoFailover(), req.getConstraintsMap());
            policyChanged.accept(p.containerId());
            return Policy.newBuilder().setContainer(p.containerId()).setEveryMs(p.every().toMillis())
                    .setKeep(p.keep()).setNextDue(p.nextDue().toString()).setProtected(p.protects()).build();
        });
    }

    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw HydraException.invalid("--every must be a duration like 30s, 5m or 1h, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
