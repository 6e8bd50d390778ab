package io.hydra.runtime.observability;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Prometheus figures: containers by status, operation latencies, reconcile duration. */
public final class DaemonMetrics {
    private final MeterRegistry registry;

    public interface Call<T> {
        T get() throws Exception;
    }

    public DaemonMetrics(MeterRegistry registry, StateStore store) {
        this.registry = registry;
        for (ContainerStatus status : ContainerStatus.values()) {
            if (status == ContainerStatus.creating) {
                continue;
            }
            Gauge.builder("hydra.containers", store, s -> s.all().stream().filter(r -> r.status() == status).count())
                    .tag("status", status.name())
                    .description("Containers by status")
                    .register(registry);
        }
        Gauge.builder("hydra.events.sequence", store, StateStore::lastSequence)
                .description("Sequence number of the newest event in the outbox").register(registry);
    }

    public <T> T time(String operation, Call<T> call) throws Exception {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T result = call.get();
            outcome = "ok";
            return result;
        } finally {
            Timer.builder("hydra.operation").tag("op", operation).tag("outcome", outcome)
                    .description("Latency of lifecycle operations").publishPercentiles(0.5, 0.95, 0.99)
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    public <T> T timeReconcile(String kind, Supplier<T> pass) {
        long start = System.nanoTime();
        try {
            return pass.get();
        } finally {
            Timer.builder("hydra.reconcile").tag("kind", kind).description("Duration of reconcile passes")
                    .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
