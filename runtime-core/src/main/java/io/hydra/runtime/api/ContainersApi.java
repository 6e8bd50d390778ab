package io.hydra.runtime.api;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.AttachInput;
import io.hydra.api.v1.Container;
import io.hydra.api.v1.ContainersGrpc;
import io.hydra.api.v1.CreateRequest;
import io.hydra.api.v1.ExecOutput;
import io.hydra.api.v1.ExecRequest;
import io.hydra.api.v1.KillRequest;
import io.hydra.api.v1.ListRequest;
import io.hydra.api.v1.ListResponse;
import io.hydra.api.v1.LogChunk;
import io.hydra.api.v1.LogsRequest;
import io.hydra.api.v1.Ref;
import io.hydra.api.v1.RemoveRequest;
import io.hydra.api.v1.RemoveResponse;
import io.hydra.api.v1.StatsResponse;
import io.hydra.api.v1.StopRequest;
import io.hydra.api.v1.TopResponse;
import io.hydra.api.v1.WaitResponse;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.failover.LostContainers;
import io.hydra.runtime.container.ContainerProbe;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.CreateSpec;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.observability.DaemonMetrics;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.spi.monitor.ProcessIdentity;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;

/**
 * The Containers gRPC service. Verbs delegate to {@link ContainerService}; server streams (logs, exec, attach) are
 * flow-controlled and driven without a thread each (see {@link StreamPoller}).
 */
public final class ContainersApi extends ContainersGrpc.ContainersImplBase {
    private final ContainerService containers;
    private final OciRuntime runtime;
    private final DaemonMetrics metrics;
    private final StreamPoller poller = StreamPoller.shared();
    /** The cluster's lost containers (inspect and rm of a container that runs nowhere); empty on a single node. */
    private final Optional<LostContainers> lost;

    private final Consumer<String> created;
    private final Predicate<String> migrating;

    /** @param streams unused: server streams are driven by the shared {@link StreamPoller}, not a thread each */
    public ContainersApi(ContainerService containers, OciRuntime runtime, DaemonMetrics metrics, ExecutorService streams) {
        this(containers, runtime, metrics, streams, id -> { }, Optional.empty(), id -> false);
    }

    /**
     * @param created told the id of each container created through the API (its cluster ownership record is
     *                written at once, not only at the next pass)
     * @param lost    in a cluster: the containers that run nowhere, which inspect shows and rm forgets
     * @param migrating whether a migration of the container (by id) from this node is under way: stop, kill,
     *                  pause, restart and rm wait for its end (between its rounds nothing else holds the container)
     */
    public ContainersApi(ContainerService containers, OciRuntime runtime, DaemonMetrics metrics, ExecutorService streams,
                         Consumer<String> created, Optional<LostContainers> lost, Predicate<String> migrating) {
        this.migrating = migrating;
        this.created = created;
        this.lost = lost;
        this.containers = containers;
        this.runtime = runtime;
        this.metrics = metrics;
        Gauge.builder("hydra.streams.active", poller, StreamPoller::active)
                .description("Server streams open now (logs, exec, events)").register(metrics.registry());
        FunctionCounter.builder("hydra.streams.sent.bytes", poller, StreamPoller::sentBytes)
                .description("Payload bytes handed to gRPC by server streams").register(metrics.registry());
    }

    /** The name, after refusing a verb that would stop or remove a container whose migration is under way. */
    private String notMigrating(String name, String verb) {
        ContainerRecord r;
        try {
            r = containers.find(name);
        } catch (HydraException e) {
            return name;
        }
        if (migrating.test(r.id())) {
            throw HydraException.conflict("container " + r.name() + " is being migrated to another node: " + verb
                    + " it once the migration has ended (hydra migrate prints where it runs)");
        }
        return name;
    }

    private Container proto(ContainerRecord r) {
        Container c = Protos.container(r, containers.isMonitorChild(r));
        var policy = containers.containers().store().policy(r.id());
        // the constraints a next node must meet: the policy's when it gave some, else the container's own
        var constraints = policy.filter(p -> !p.constraints().isEmpty()).map(p -> p.constraints())
                .orElse(r.options().constraints());
        return c.toBuilder().setProtected(policy.map(p -> p.protects()).orElse(false))
                .putAllConstraints(constraints).build();
    }

    private <T> void timed(String op, StreamObserver<T> observer, GrpcErrors.Call<T> call) {
        GrpcErrors.unary(observer, () -> metrics.time(op, call::get));
    }

    @Override
    public void create(CreateRequest req, StreamObserver<Container> observer) {
        CreateSpec spec = new CreateSpec(req.getName(), req.getBundle(), req.getRootfs(), req.getImage(),
                req.getArgsList(), req.getEnvList(), req.getMonitor(), req.getInteractive(), req.getTty(),
                req.getHostNetwork(), req.getMemoryBytes(), req.getCpuMillis(), req.getVolumesList(), req.getWorkdir(),
                req.getUser(), req.getLabelsMap(), req.getRestart(), req.getAutoRemove(), req.getConstraintsMap());
        timed(req.getStart() ? "run" : "create", observer, () -> {
            ContainerRecord r = req.getStart() ? containers.run(spec) : containers.create(spec);
            created.accept(r.id());
            return proto(r);
        });
    }

    @Override
    public void start(Ref req, StreamObserver<Container> observer) {
        timed("start", observer, () -> proto(containers.start(req.getName())));
    }

    @Override
    public void stop(StopRequest req, StreamObserver<Container> observer) {
        timed("stop", observer, () -> proto(containers.stop(notMigrating(req.getName(), "stop"), req.getTimeoutSeconds())));
    }

    @Override
    public void kill(KillRequest req, StreamObserver<Container> observer) {
        timed("kill", observer, () -> proto(containers.kill(notMigrating(req.getName(), "kill"), req.getSignal())));
    }

    @Override
    public void pause(Ref req, StreamObserver<Container> observer) {
        timed("pause", observer, () -> proto(containers.pause(notMigrating(req.getName(), "pause"))));
    }

    @Override
    public void resume(Ref req, StreamObserver<Container> observer) {
        timed("resume", observer, () -> proto(containers.resume(req.getName())));
    }

    @Override
    public void restart(StopRequest req, StreamObserver<Container> observer) {
        timed("restart", observer, () -> proto(containers.restart(notMigrating(req.getName(), "restart"), req.getTimeoutSeconds())));
    }

    @Override
    public void remove(RemoveRequest req, StreamObserver<RemoveResponse> observer) {
        timed("remove", observer, () -> RemoveResponse.newBuilder()
                .setId(orLost(req.getName(), () -> containers.remove(notMigrating(req.getName(), "remove"), req.getForce()),
                        l -> l.forget(req.getName()))).build());
    }

    @Override
    public void list(ListRequest req, StreamObserver<ListResponse> observer) {
        GrpcErrors.unary(observer, () -> ListResponse.newBuilder()
                .addAllContainers(containers.list(req.getAll()).stream().map(this::proto).toList()).build());
    }

    @Override
    public void inspect(Ref req, StreamObserver<Container> observer) {
        GrpcErrors.unary(observer, () -> orLost(req.getName(), () -> proto(containers.find(req.getName())),
                l -> l.find(req.getName()).map(v -> lostProto(v.record()))
                        .orElseThrow(() -> HydraException.notFound("no such container: " + req.getName()))));
    }

    /**
     * The verb on this node's container; when there is none of that name, on the cluster's lost container of that
     * name (a container that runs nowhere is no node's, so every node answers for it).
     */
    private <T> T orLost(String name, Supplier<T> local, Function<LostContainers, T> onLost) {
        try {
            return local.get();
        } catch (HydraException e) {
            if (e.kind() != HydraException.Kind.NOT_FOUND || lost.isEmpty()) {
                throw e;
            }
            return onLost.apply(lost.get());
        }
    }

    private static Container lostProto(OwnershipRecord r) {
        Container.Builder b = Container.newBuilder().setId(r.containerId()).setName(r.name()).setStatus("lost")
                .setNode(r.node()).setExitReason(r.reason()).setImageDigest(r.imageDigest())
                .setProtected(r.isProtected()).putAllConstraints(r.constraints());
        if (r.lostAt() != null) {
            b.setFinishedAt(r.lostAt().toString());
        }
        if (!r.rootfs().isEmpty()) {
            b.setBundle(r.rootfs());
        }
        return b.build();
    }

    /** Answers when the container ends, without holding a thread meanwhile. */
    @Override
    public void wait(Ref req, StreamObserver<WaitResponse> observer) {
        ContainerRecord r;
        try {
            r = containers.find(req.getName());
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<WaitResponse> call = (ServerCallStreamObserver<WaitResponse>) observer;
        CompletableFuture<ContainerRecord> ended = containers.exitFuture(r.id());
        // with a handler set, answering a call whose client went away is a no-op instead of an exception; what is
        // left until the container ends is this small callback, not a thread
        call.setOnCancelHandler(() -> { });
        ended.whenComplete((record, failure) -> {
            if (call.isCancelled()) {
                return;
            }
            if (failure != null) {
                observer.onError(GrpcErrors.toStatus(failure));
                return;
            }
            GrpcErrors.unary(observer, () -> waitResponse(r, record));
        });
    }

    private static WaitResponse waitResponse(ContainerRecord asked, ContainerRecord ended) {
        if (ended.status() == ContainerStatus.checkpointed) {
            // its processes are in a checkpoint, not ended: there is no exit code to report
            return WaitResponse.newBuilder().setStatus(ContainerStatus.checkpointed.name()).setExitCode(-1).build();
        }
        if (ended.status() != ContainerStatus.exited) {
            throw HydraException.notFound("container " + asked.name() + " was removed before it exited");
        }
        return WaitResponse.newBuilder().setStatus(ContainerStatus.exited.name())
                .setExitCode(ended.exitCode() == null ? -1 : ended.exitCode())
                .setSignal(ended.signal() == null ? "" : ended.signal())
                .setOomKilled(ended.oomKilled()).build();
    }

    @Override
    public void logs(LogsRequest req, StreamObserver<LogChunk> observer) {
        ContainerRecord r;
        Instant since;
        try {
            r = containers.find(req.getName());
            since = LogSince.parse(req.getSince(), Instant.now());
            if (req.getTail() < 0) {
                throw HydraException.invalid("--tail " + req.getTail() + " is negative");
            }
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) observer;
        String id = r.id();
        poller.start(call, new LogStream(call, LogWindow.of(containers.openLog(r), since, req.getTail()),
                req.getFollow(), () -> isLive(id), poller));
    }

    private boolean isLive(String id) {
        try {
            return containers.find(id).status().live();
        } catch (HydraException e) {
            return false;
        }
    }

    @Override
    public void exec(ExecRequest req, StreamObserver<ExecOutput> observer) {
        ServerCallStreamObserver<ExecOutput> call = (ServerCallStreamObserver<ExecOutput>) observer;
        ContainerRecord r;
        Process p;
        try {
            r = containers.find(req.getName());
            if (r.status() != ContainerStatus.running && r.status() != ContainerStatus.orphaned) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not running");
            }
            if (req.getArgsCount() == 0) {
                throw HydraException.invalid("exec needs a command: hydra exec NAME -- CMD [ARG...]");
            }
            for (String e : req.getEnvList()) {
                if (!e.contains("=") || e.startsWith("=")) {
                    throw HydraException.invalid("environment entry '" + e + "' is not KEY=VALUE");
                }
            }
            if (r.monitorRecord() != null) {
                Optional<ExecCommand.Refusal> refused = ExecCommand.check(r.monitorRecord().container(),
                        r.bundle().resolve("config.json"), req.getArgsList(), req.getEnvList());
                if (refused.isPresent()) {
                    call.onNext(ExecOutput.newBuilder().setOutput(LogChunk.newBuilder()
                            .setStream(LogChunk.Stream.STDERR)
                            .setData(ByteString.copyFromUtf8(refused.get().message()))).build());
                    call.onNext(ExecOutput.newBuilder().setExitCode(refused.get().exitCode()).build());
                    call.onCompleted();
                    return;
                }
            }
            p = runtime.exec(r.id(), req.getArgsList(), req.getEnvList());
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        } catch (IOException | RuntimeException e) {
            observer.onError(GrpcErrors.toStatus(HydraException.failed("exec failed: " + e.getMessage())));
            return;
        }
        poller.start(call, new ExecStream(call, p, poller));
    }

    @Override
    public StreamObserver<AttachInput> attach(StreamObserver<LogChunk> observer) {
        ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) observer;
        AttachStream stream = new AttachStream(call, containers::attach, poller);
        // both handlers must be set before this method returns
        call.setOnCancelHandler(stream::cancelled);
        call.setOnReadyHandler(stream::ready);
        return stream;
    }

    @Override
    public void top(Ref req, StreamObserver<TopResponse> observer) {
        GrpcErrors.unary(observer, () -> {
            ContainerRecord r = containers.find(req.getName());
            if (!r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not running");
            }
            TopResponse.Builder b = TopResponse.newBuilder();
            for (ContainerProbe.ProcessInfo p : ContainerProbe.processes(runtime.processes(r.id()))) {
                b.addProcesses(io.hydra.api.v1.Process.newBuilder().setPid(p.pid()).setPpid(p.ppid())
                        .setState(p.state()).setRssBytes(p.rssBytes()).setCommand(p.command()));
            }
            return b.build();
        });
    }

    @Override
    public void stats(Ref req, StreamObserver<StatsResponse> observer) {
        GrpcErrors.unary(observer, () -> {
            ContainerRecord r = containers.find(req.getName());
            if (!r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not running");
            }
            if (r.monitorRecord() == null) {
                throw HydraException.conflict("container " + r.name() + " has no process this daemon knows");
            }
            ProcessIdentity init = r.monitorRecord().container();
            ContainerProbe.Stats s = ContainerProbe.stats(init).orElseThrow(() -> HydraException.conflict(
                    "container " + r.name() + "'s process " + init.pid() + " has exited (that pid is not the"
                            + " container's any more)"));
            return StatsResponse.newBuilder().setMemoryUsageBytes(s.memoryUsage()).setMemoryLimitBytes(s.memoryLimit())
                    .setMemoryMaxUsageBytes(s.memoryMaxUsage()).setCpuUsageNanos(s.cpuNanos()).setPids(s.pids())
                    .build();
        });
    }
}
