package io.hydra.runtime.supervision;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.hydra.runtime.container.Containers;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * What happens once a container exited, by what it was created with: {@code --restart} starts it again after an
 * exponential, capped backoff (a run that lasted {@link #STEADY} starts the backoff over), {@code --rm} removes it.
 * An exit a user caused (stop, kill, rm) is never restarted. Everything it needs is in the record, so a daemon that
 * restarts (recovery hands it every exited container) carries on where the last one was.
 */
public final class RestartPolicyEnforcer {
    private static final Logger LOG = Logger.getLogger(RestartPolicyEnforcer.class);
    static final Duration BASE_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    /** A run at least this long counts as healthy: the next restart waits only the base delay (docker's rule). */
    static final Duration STEADY = Duration.ofSeconds(10);
    /** How long a due restart waits for a busy container before trying again later. */
    private static final Duration LOCK_WAIT = Duration.ofSeconds(1);
    static final String REASON = "restart-policy";

    private final Containers containers;
    private final ExitSupervisor.Relauncher relauncher;
    private final Consumer<String> remover;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "restart-policy");
        t.setDaemon(true);
        return t;
    });

    public RestartPolicyEnforcer(Containers containers, ExitSupervisor.Relauncher relauncher, Consumer<String> remover) {
        this.containers = containers;
        this.relauncher = relauncher;
        this.remover = remover;
    }

    /** The container has exited (just now, or while no daemon ran): apply its policy. Never blocks. */
    public void exited(ContainerRecord r) {
        if (r.status() != ContainerStatus.exited) {
            return;
        }
        if (r.options().autoRemove()) {
            timer.execute(() -> remove(r.id()));
        } else if (shouldRestart(r)) {
            Duration delay = delay(r);
            LOG.infof("container %s exited (%s); restarting it in %d ms by its policy %s (restart %d)", r.name(),
                    r.exitCode() == null ? "status unknown" : "code " + r.exitCode(), delay.toMillis(),
                    r.options().restart(), r.restartCount() + 1);
            timer.schedule(() -> restartIfStillDue(r), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether the policy asks for another run after this exit. */
    static boolean shouldRestart(ContainerRecord r) {
        RunOptions o = r.options();
        if (r.status() != ContainerStatus.exited || o.manuallyStopped()) {
            return false;
        }
        RestartPolicy p = o.restart();
        return switch (p.mode()) {
            case no -> false;
            case always -> true;
            // an exit whose status was lost counts as a failure
            case on_failure -> !Integer.valueOf(0).equals(r.exitCode())
                    && (p.maxRetries() == 0 || r.restartCount() < p.maxRetries());
        };
    }

    /** 100 ms doubling per restart, at most 30 s; back to 100 ms after a run of at least 10 s. */
    static Duration delay(ContainerRecord r) {
        if (r.startedAt() != null && r.finishedAt() != null
                && Duration.between(r.startedAt(), r.finishedAt()).compareTo(STEADY) >= 0) {
            return BASE_DELAY;
        }
        int doublings = Math.min(r.restartCount(), 20);
        Duration d = BASE_DELAY.multipliedBy(1L << doublings);
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    private void restartIfStillDue(ContainerRecord exited) {
        try {
            boolean ran = containers.locks().tryWith(exited.id(), LOCK_WAIT, () -> {
                ContainerRecord now = containers.store().byId(exited.id()).orElse(null);
                // removed, started by a user, or stopped by one since: nothing is due any more
                if (now != null && sameExit(now, exited) && shouldRestart(now)) {
                    relauncher.relaunch(now, Intent.Kind.restart, REASON);
                }
                return true;
            }).isPresent();
            if (!ran) {
                timer.schedule(() -> restartIfStillDue(exited), LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            LOG.errorf("cannot restart container %s by its policy %s: %s", exited.name(), exited.options().restart(),
                    e.getMessage());
        }
    }

    private static boolean sameExit(ContainerRecord now, ContainerRecord exited) {
        return now.status() == ContainerStatus.exited && now.restartCount() == exited.restartCount()
                && Objects.equals(now.finishedAt(), exited.finishedAt());
    }

    private void remove(String id) {
        try {
            if (containers.store().byId(id).filter(r -> r.status() == ContainerStatus.exited).isPresent()) {
                remover.accept(id);
            }
        } catch (RuntimeException e) {
            LOG.errorf("cannot remove exited container %s (--rm): %s", id, e.getMessage());
        }
    }
}
