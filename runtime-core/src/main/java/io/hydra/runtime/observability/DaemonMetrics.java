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
    /**
     * Gauges read at scrape time, so they also show what happened before the Prometheus registry was bound (a
     * timer records nothing then: the start-up recovery pass would be lost).
     */
    private final java.util.Map<String, Double> lastReconcileSeconds = new java.util.concurrent.ConcurrentHashMap<>();

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
        for (String kind : new String[] {"recovery", "periodic"}) {
            Gauge.builder("hydra.reconcile.last.seconds", lastReconcileSeconds, m -> m.getOrDefault(kind, Double.NaN))
                    .tag("kind", kind).description("Duration of the latest reconcile pass").register(registry);
        }
        Gauge.builder("hydra.events.backlog", store, StateStore::unpublishedEvents)
                .description("Events in the outbox not yet acknowledged by Kafka").register(registry);
        Gauge.builder("hydra.events.sequence", store, StateStore::lastSequence)
                .description("Sequence number of the newest event in the outbox").register(registry);
    }

    /** For services that register their own gauges (the API's stream poller). */
    public MeterRegistry registry() {
        return registry;
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
            long nanos = System.nanoTime() - start;
            lastReconcileSeconds.put(kind, nanos / 1e9);
            Timer.builder("hydra.reconcile").tag("kind", kind).description("Duration of reconcile passes")
                    .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
