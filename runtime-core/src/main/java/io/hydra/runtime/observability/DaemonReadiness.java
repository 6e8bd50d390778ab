package io.hydra.runtime.observability;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.hydra.runtime.Daemon;

/** Ready once every container has been recovered and the API socket is served. */
@Readiness
@ApplicationScoped
public class DaemonReadiness implements HealthCheck {
    private final Daemon daemon;

    public DaemonReadiness(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("hydra-daemon").status(daemon.ready()).build();
    }
}
