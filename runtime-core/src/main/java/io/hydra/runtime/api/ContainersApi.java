package io.hydra.runtime.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

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
import io.hydra.runtime.container.ContainerProbe;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.CreateSpec;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.observability.DaemonMetrics;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.spi.monitor.AttachSession;

/** The Containers gRPC service: thin, it validates nothing itself and delegates to {@link ContainerService}. */
public final class ContainersApi extends ContainersGrpc.ContainersImplBase {
    private final ContainerService containers;
    private final OciRuntime runtime;
    private final DaemonMetrics metrics;
    private final ExecutorService streams;

    public ContainersApi(ContainerService containers, OciRuntime runtime, DaemonMetrics metrics, ExecutorService streams) {
        this.containers = containers;
        this.runtime = runtime;
        this.metrics = metrics;
        this.streams = streams;
    }

    private Container proto(ContainerRecord r) {
        return Protos.container(r, containers.isMonitorChild(r));
    }

    private <T> void timed(String op, StreamObserver<T> observer, GrpcErrors.Call<T> call) {
        GrpcErrors.unary(observer, () -> metrics.time(op, call::get));
    }

    @Override
    public void create(CreateRequest req, StreamObserver<Container> observer) {
        CreateSpec spec = new CreateSpec(req.getName(), req.getBundle(), req.getRootfs(), req.getArgsList(),
                req.getEnvList(), req.getMonitor(), req.getInteractive(), req.getHostNetwork(), req.getMemoryBytes());
        timed(req.getStart() ? "run" : "create", observer,
                () -> proto(req.getStart() ? containers.run(spec) : containers.create(spec)));
    }

    @Override
    public void start(Ref req, StreamObserver<Container> observer) {
        timed("start", observer, () -> proto(containers.start(req.getName())));
    }

    @Override
    public void stop(StopRequest req, StreamObserver<Container> observer) {
        timed("stop", observer, () -> proto(containers.stop(req.getName(), req.getTimeoutSeconds())));
    }

    @Override
    public void kill(KillRequest req, StreamObserver<Container> observer) {
        timed("kill", observer, () -> proto(containers.kill(req.getName(), req.getSignal())));
    }

    @Override
    public void pause(Ref req, StreamObserver<Container> observer) {
        timed("pause", observer, () -> proto(containers.pause(req.getName())));
    }

    @Override
    public void resume(Ref req, StreamObserver<Container> observer) {
        timed("resume", observer, () -> proto(containers.resume(req.getName())));
    }

    @Override
    public void restart(StopRequest req, StreamObserver<Container> observer) {
        timed("restart", observer, () -> proto(containers.restart(req.getName(), req.getTimeoutSeconds())));
    }

    @Override
    public void remove(RemoveRequest req, StreamObserver<RemoveResponse> observer) {
        timed("remove", observer, () -> RemoveResponse.newBuilder()
                .setId(containers.remove(req.getName(), req.getForce())).build());
    }

    @Override
    public void list(ListRequest req, StreamObserver<ListResponse> observer) {
        GrpcErrors.unary(observer, () -> ListResponse.newBuilder()
                .addAllContainers(containers.list(req.getAll()).stream().map(this::proto).toList()).build());
    }

    @Override
    public void inspect(Ref req, StreamObserver<Container> observer) {
        GrpcErrors.unary(observer, () -> proto(containers.find(req.getName())));
    }

    @Override
    public void wait(Ref req, StreamObserver<WaitResponse> observer) {
        GrpcErrors.unary(observer, () -> {
            ContainerRecord r = containers.find(req.getName());
            ContainerRecord exited = containers.exitFuture(r.id()).get();
            if (exited.status() == ContainerStatus.checkpointed) {
                // it did not exit: its processes are in a checkpoint, to be restored
                return WaitResponse.newBuilder().setExitCode(-1).setStatus(exited.status().name()).build();
            }
            if (exited.status() != ContainerStatus.exited) {
                throw HydraException.notFound("container " + r.name() + " was removed before it exited");
            }
            return WaitResponse.newBuilder().setStatus(exited.status().name())
                    .setExitCode(exited.exitCode() == null ? -1 : exited.exitCode())
                    .setSignal(exited.signal() == null ? "" : exited.signal())
                    .setOomKilled(exited.oomKilled()).build();
        });
    }

    @Override
    public void logs(LogsRequest req, StreamObserver<LogChunk> observer) {
        ContainerRecord r;
        try {
            r = containers.find(req.getName());
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) observer;
        String id = r.id();
        streams.execute(() -> {
            try {
                containers.readLog(r, req.getFollow(), () -> isLive(id), (stderr, data) -> {
                    if (call.isCancelled()) {
                        return false;
                    }
                    synchronized (call) {
                        call.onNext(LogChunk.newBuilder()
                                .setStream(stderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                                .setData(ByteString.copyFrom(data)).build());
                    }
                    return true;
                });
                if (!call.isCancelled()) {
                    call.onCompleted();
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(GrpcErrors.toStatus(HydraException.failed("cannot read logs: " + e.getMessage())));
                }
            }
        });
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
        ContainerRecord r;
        try {
            r = containers.find(req.getName());
            if (r.status() != ContainerStatus.running && r.status() != ContainerStatus.orphaned) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not running");
            }
            if (req.getArgsCount() == 0) {
                throw HydraException.invalid("exec needs a command: hydra exec NAME -- CMD [ARG...]");
            }
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        streams.execute(() -> {
            try {
                Process p = runtime.exec(r.id(), req.getArgsList(), req.getEnvList());
                Thread err = new Thread(() -> pump(p.getErrorStream(), true, observer));
                err.start();
                pump(p.getInputStream(), false, observer);
                err.join();
                p.waitFor(1, TimeUnit.MINUTES);
                observer.onNext(ExecOutput.newBuilder().setExitCode(p.exitValue()).build());
                observer.onCompleted();
            } catch (IOException | InterruptedException | RuntimeException e) {
                observer.onError(GrpcErrors.toStatus(HydraException.failed("exec failed: " + e.getMessage())));
            }
        });
    }

    private static void pump(InputStream in, boolean stderr, StreamObserver<ExecOutput> observer) {
        byte[] buffer = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                ExecOutput out = ExecOutput.newBuilder().setOutput(LogChunk.newBuilder()
                        .setStream(stderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                        .setData(ByteString.copyFrom(buffer, 0, n))).build();
                synchronized (observer) {
                    observer.onNext(out);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    @Override
    public StreamObserver<AttachInput> attach(StreamObserver<LogChunk> observer) {
        ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) observer;
        java.util.concurrent.atomic.AtomicReference<AttachSession> current = new java.util.concurrent.atomic.AtomicReference<>();
        // the handler must be set before this method returns
        call.setOnCancelHandler(() -> {
            AttachSession s = current.get();
            if (s != null) {
                s.close();
            }
        });
        return new StreamObserver<>() {
            private AttachSession session;
            private boolean finished;

            private final AttachSession.Listener listener = new AttachSession.Listener() {
                @Override
                public void output(boolean stderr, byte[] data) {
                    synchronized (call) {
                        if (!finished && !call.isCancelled()) {
                            call.onNext(LogChunk.newBuilder()
                                    .setStream(stderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                                    .setData(ByteString.copyFrom(data)).build());
                        }
                    }
                }

                @Override
                public void closed() {
                    synchronized (call) {
                        if (!finished && !call.isCancelled()) {
                            finished = true;
                            call.onCompleted();
                        }
                    }
                }
            };

            @Override
            public void onNext(AttachInput in) {
                try {
                    if (session == null) {
                        session = containers.attach(in.getName(), listener);
                        current.set(session);
                        // an empty first chunk tells the client it is attached (and may now start the container)
                        listener.output(false, new byte[0]);
                    }
                    if (!in.getStdin().isEmpty()) {
                        session.writeStdin(in.getStdin().toByteArray());
                    }
                    if (in.getCloseStdin()) {
                        session.closeStdin();
                    }
                } catch (RuntimeException e) {
                    synchronized (call) {
                        if (!finished) {
                            finished = true;
                            call.onError(GrpcErrors.toStatus(e));
                        }
                    }
                    if (session != null) {
                        session.close();
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                if (session != null) {
                    session.close();
                }
            }

            @Override
            public void onCompleted() {
                // the client has nothing more to send; its output keeps flowing until the container exits
            }
        };
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
            ContainerProbe.Stats s = ContainerProbe.stats(r.pid());
            return StatsResponse.newBuilder().setMemoryUsageBytes(s.memoryUsage()).setMemoryLimitBytes(s.memoryLimit())
                    .setMemoryMaxUsageBytes(s.memoryMaxUsage()).setCpuUsageNanos(s.cpuNanos()).setPids(s.pids())
                    .build();
        });
    }
}
