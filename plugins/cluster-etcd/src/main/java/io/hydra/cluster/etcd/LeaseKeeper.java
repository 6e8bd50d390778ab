package io.hydra.cluster.etcd;

import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.CoordinatorException.Kind;
import io.hydra.spi.monitor.ProcessIdentity;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the node lease alive from outside the daemon's process, as conmon keeps containers: a shell in a session of
 * its own (reparented to init, so a SIGKILLed daemon does not take it along) running {@code etcdctl lease
 * keep-alive}.
 *
 * <p>Found by experiment with Debian's etcdctl 3.4.23: {@code lease keep-alive} exits (status 0, "expired or
 * revoked") about one TTL after etcd stops answering, and at once when the lease is gone; {@code lease timetolive}
 * hangs while etcd is down, whatever {@code --command-timeout} says. A bare etcdctl would therefore let the lease
 * die after any etcd outage longer than a TTL while the daemon is away, although etcd restores unexpired leases with
 * a fresh TTL when it comes back. So the shell loops: after keep-alive ends it asks etcd (under {@code timeout}) and
 * exits only when etcd says the lease has expired; otherwise it starts keep-alive again a second later. The daemon
 * still watches the keeper and replaces it if it dies. Before each keep-alive the shell also checks that the node's
 * state file still records its lease: a keeper whose node left, re-joined on another lease, failed to start in time
 * or had its state directory removed exits instead of renewing a lease nobody will use.
 */
final class LeaseKeeper {
    private static final Duration START_DEADLINE = Duration.ofSeconds(10);

    private static final String SETSID = "setsid";

    private final EtcdSettings settings;
    private final Path stateDir;

    LeaseKeeper(EtcdSettings settings, Path stateDir) {
        this.settings = settings;
        this.stateDir = stateDir;
    }

    /** Starts a keeper for {@code leaseId} and returns it once it has written its pid. */
    ProcessIdentity start(long leaseId) {
        String hex = Long.toHexString(leaseId);
        Path pidFile = pidFile(leaseId);
        Path log = stateDir.resolve("keeper.log");
        try {
            Files.createDirectories(stateDir);
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new CoordinatorException(Kind.FAILED, "cannot prepare " + stateDir + ": " + e.getMessage(), e);
        }
        String etcdctl = etcdctl();
        // etcdctl prints a line per renewal on stdout: dropped, or the log would grow without end
        String script = "echo $$ > " + quote(pidFile + ".tmp") + " && mv " + quote(pidFile + ".tmp") + " "
                + quote(pidFile.toString()) + "\n"
                + "while grep -qx 'lease=" + hex + "' " + quote(stateDir.resolve(KeeperState.FILE).toString())
                + " 2>/dev/null; do\n"
                + "  " + etcdctl + " lease keep-alive " + hex + " >/dev/null\n"
                + "  if timeout 5 " + etcdctl + " lease timetolive " + hex + " 2>&1 | grep -q 'already expired'; then\n"
                + "    echo \"$(date -u +%FT%TZ) lease " + hex + " expired: keeper exits\"; exit 0\n"
                + "  fi\n"
                + "  echo \"$(date -u +%FT%TZ) keep-alive of lease " + hex + " ended, etcd unreachable: again\"\n"
                + "  sleep 1\n"
                + "done\n"
                + "echo \"$(date -u +%FT%TZ) lease " + hex + " is no longer this node's: keeper exits\"";
        // Not through the ProcessRunner: it kills whatever its command leaves in its session, and setsid -f's child
        // may still be in that session for an instant before it calls setsid() (seen: keepers killed at birth).
        // The keeper must outlive the daemon; setsid -f forks, and the child leads a new session of its own.
        ProcessBuilder builder = new ProcessBuilder(SETSID, "-f", "sh", "-c", script)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        try {
            Process launcher = builder.start();
            if (!launcher.waitFor(START_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                throw new CoordinatorException(Kind.FAILED, "setsid did not return within "
                        + START_DEADLINE.toSeconds() + " s while starting the lease keeper");
            }
            if (launcher.exitValue() != 0) {
                throw new CoordinatorException(Kind.FAILED, "cannot start the lease keeper (setsid exit "
                        + launcher.exitValue() + "); see " + log);
            }
        } catch (IOException e) {
            throw new CoordinatorException(Kind.FAILED, "cannot start the lease keeper: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoordinatorException(Kind.FAILED, "interrupted while starting the lease keeper", e);
        }
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessIdentity> keeper = fromPidFile(leaseId);
            if (keeper.isPresent()) {
                return keeper.get();
            }
            pause();
        }
        throw new CoordinatorException(Kind.FAILED, "the lease keeper did not write " + pidFile + " within "
                + START_DEADLINE.toSeconds() + " s; see " + log);
    }

    /**
     * The live keeper of {@code leaseId}: the recorded one if it still runs, else the one its pid file names (a
     * daemon killed between starting a keeper and recording it must adopt that keeper, not start a second).
     */
    Optional<ProcessIdentity> find(long leaseId, Optional<ProcessIdentity> recorded) {
        if (recorded.isPresent() && recorded.get().isAlive() && keeps(recorded.get().pid(), leaseId)) {
            return recorded;
        }
        return fromPidFile(leaseId);
    }

    /** Stops a keeper and the etcdctl it runs (the shell first, so it cannot start another). */
    void stop(ProcessIdentity keeper, long leaseId) {
        if (keeper.isAlive()) {
            ProcessHandle.of(keeper.pid()).ifPresent(shell -> {
                List<ProcessHandle> children = new ArrayList<>(shell.descendants().toList());
                shell.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                shell.onExit().join();
            });
        }
        try {
            Files.deleteIfExists(pidFile(leaseId));
        } catch (IOException ignored) {
            // a stale pid file is checked against the process's command line before it is ever believed
        }
    }

    private Optional<ProcessIdentity> fromPidFile(long leaseId) {
        try {
            String text = Files.readString(pidFile(leaseId)).trim();
            int pid = Integer.parseInt(text);
            return ProcessIdentity.of(pid).filter(p -> keeps(pid, leaseId));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether process {@code pid} is a keeper of this lease (its command line names the lease), not a pid reused. */
    private static boolean keeps(int pid, long leaseId) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains("lease keep-alive " + Long.toHexString(leaseId));
        } catch (IOException e) {
            return false;
        }
    }

    private Path pidFile(long leaseId) {
        return stateDir.resolve("keeper-" + Long.toHexString(leaseId) + ".pid");
    }

    private String etcdctl() {
        List<String> args = new ArrayList<>();
        args.add(settings.etcdctl().toString());
        args.add("--endpoints=" + String.join(",", settings.urls()));
        args.add("--dial-timeout=" + settings.timeout().toMillis() + "ms");
        settings.tls().ifPresent(tls -> {
            args.add("--cacert=" + tls.cacert());
            args.add("--cert=" + tls.cert());
            args.add("--key=" + tls.key());
        });
        return String.join(" ", args.stream().map(LeaseKeeper::quote).toList());
    }

    /** One shell word (single quotes; a single quote inside is closed, escaped and reopened). */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static void pause() {
        try {
            Thread.sleep(20); // the keeper writes its pid file; nothing to wait on but the file itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoordinatorException(Kind.FAILED, "interrupted while starting the lease keeper", e);
        }
    }
}
