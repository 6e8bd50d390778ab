package io.hydra.runtime.api;

import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.MigrateRequest;
import io.hydra.api.v1.MigrationProgress;
import io.hydra.api.v1.MigrationRound;
import io.hydra.api.v1.MigrationSummary;
import io.hydra.api.v1.MigrationsGrpc;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.migration.Convergence;
import io.hydra.runtime.migration.MigrationMode;
import io.hydra.runtime.migration.MigrationReport;
import io.hydra.runtime.migration.MigrationSource;

/** The Migrations gRPC service: {@code hydra migrate}, its progress and its summary. */
public final class MigrationsApi extends MigrationsGrpc.MigrationsImplBase {
    private final MigrationSource source;
    private final String unavailable;
    private final ExecutorService streams;

    /** @param unavailable why this node cannot migrate (no cluster, no checkpoints), or null when it can */
    public MigrationsApi(MigrationSource source, String unavailable, ExecutorService streams) {
        this.source = source;
        this.unavailable = unavailable;
        this.streams = streams;
    }

    @Override
    public void migrate(MigrateRequest req, StreamObserver<MigrationProgress> observer) {
        ServerCallStreamObserver<MigrationProgress> call = (ServerCallStreamObserver<MigrationProgress>) observer;
        streams.execute(() -> {
            long[] lastSent = {0};
            MigrationReport.Listener listener = new MigrationReport.Listener() {
                @Override
                public void phase(String phase, int round, long done, long total) {
                    long now = System.nanoTime();
                    if (now - lastSent[0] >= 100_000_000L) {
                        lastSent[0] = now;
                        send(call, MigrationProgress.newBuilder().setPhase(phase).setRound(round).setDone(done)
                                .setTotal(total).build(), false);
                    }
                }

                @Override
                public void roundFinished(MigrationReport.RoundReport report) {
                    send(call, MigrationProgress.newBuilder().setPhase("round").setRound(report.round().round())
                            .setFinishedRound(round(report)).build(), true);
                }
            };
            try {
                MigrationReport r = source.migrate(request(req), listener);
                MigrationSummary.Builder s = MigrationSummary.newBuilder().setId(r.id()).setMode(r.mode().text())
                        .setFromNode(r.from()).setToNode(r.to()).setRounds(r.rounds()).setBytesMoved(r.bytesMoved())
                        .setDowntimeMs(r.downtimeMs()).setTotalMs(r.totalMs()).setVersion(r.version())
                        .setDecision(r.decision()).setContainerId(r.containerId()).setName(r.name())
                        .setEpoch(r.epoch());
                r.roundDetails().forEach(d -> s.addRoundDetails(round(d)));
                synchronized (call) {
                    call.onNext(MigrationProgress.newBuilder().setPhase("done").setSummary(s).build());
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

    private MigrationSource.Request request(MigrateRequest req) {
        if (unavailable != null) {
            throw HydraException.failed("this node cannot migrate containers: " + unavailable);
        }
        MigrationMode mode;
        try {
            mode = MigrationMode.parse(req.getMode());
        } catch (IllegalArgumentException e) {
            throw HydraException.invalid(e.getMessage());
        }
        if (req.getMaxRounds() < 0 || req.getMaxRounds() > Convergence.MOST_ROUNDS) {
            throw HydraException.invalid("--max-rounds must be from 1 to " + Convergence.MOST_ROUNDS + ", got "
                    + req.getMaxRounds());
        }
        if (req.getThresholdBytes() < -1) {
            throw HydraException.invalid("--threshold must not be negative, got " + req.getThresholdBytes());
        }
        OptionalLong threshold = req.getThresholdBytes() == -1 ? OptionalLong.empty()
                : OptionalLong.of(req.getThresholdBytes());
        return new MigrationSource.Request(req.getContainer(), req.getToNode(), mode, req.getMaxRounds(), threshold,
                req.getTcpEstablished());
    }

    private static MigrationRound round(MigrationReport.RoundReport d) {
        Convergence.Round r = d.round();
        return MigrationRound.newBuilder().setRound(r.round()).setVersion(r.version()).setImageBytes(r.imageBytes())
                .setNewBytes(r.newBytes()).setChangedBytes(r.changedBytes()).setDurationMs(r.duration().toMillis())
                .setFrozenMs(r.frozenMillis()).setBytesPerSecond(r.bytesPerSecond()).setDecision(d.decision())
                .setPrefetchedBytes(d.prefetchedBytes()).build();
    }

    private static void send(ServerCallStreamObserver<MigrationProgress> call, MigrationProgress m, boolean always) {
        synchronized (call) {
            // a client that cannot take a progress line now skips it; a finished round waits for nobody either
            if (!call.isCancelled() && (always || call.isReady())) {
                call.onNext(m);
            }
        }
    }
}
