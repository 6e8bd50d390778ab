package io.hydra.runtime.migration;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.PageServerCredentials;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.ContainerResources;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.migration.MigrationJournal.Entry;
import io.hydra.runtime.migration.MigrationJournal.Phase;
import io.hydra.runtime.migration.MigrationReport.Listener;
import io.hydra.runtime.migration.MigrationReport.RoundReport;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.spi.checkpoint.CheckpointOptions;

/**
 * Moves a running container of this node to another one ({@code hydra migrate}). The container keeps running here
 * through the pre-copy rounds (leave-running checkpoints that store only what changed, while the target pulls each
 * version into its pack cache); then one stopping dump, and its ownership record is handed to the target by
 * compare-and-set ({@code MIGRATING}, one epoch more). From that instant the container is the target's to restore,
 * and until then it is this node's: at every step exactly one node owns it, and the owner either runs it or holds
 * the image it restores from. Every step is written to the {@link MigrationJournal} first, so a SIGKILLed daemon
 * settles what it was doing when it is back ({@link InterruptedMigrations}).
 */
public final class MigrationSource {
    private static final Logger LOG = Logger.getLogger(MigrationSource.class);

    /** A migration as asked for: checked here, so every entry point gets the same errors. */
    public record Request(String container, String target, MigrationMode mode, int maxRounds, OptionalLong threshold,
                          boolean tcpEstablished) {
    }

    private final ContainerService containers;
    private final CheckpointService checkpoints;
    private final ClusterNode cluster;
    private final MigrationJournal journal;
    private final Consumer<HydraEvent> events;
    private final MigrationEvents announce;
    private final Duration deadline;
    private final ExecutorService background;
    private final MigrationSettlement settlement;

    private final Optional<PostCopySource> postCopy;

    /**
     * @param deadline    how long the target may take to restore (hydra.checkpoint.timeout)
     * @param pageServers this node's address and certificates for post-copy's page server (a cluster node has them)
     */
    public MigrationSource(ContainerService containers, CheckpointService checkpoints, ClusterNode cluster,
                           MigrationJournal journal, Consumer<HydraEvent> events, Duration deadline,
                           ExecutorService background, Optional<PageServerCredentials> pageServers) {
        this.containers = containers;
        this.checkpoints = checkpoints;
        this.cluster = cluster;
        this.journal = journal;
        this.events = events;
        this.announce = new MigrationEvents(cluster.nodeId());
        this.deadline = deadline;
        this.background = background;
        this.settlement = new MigrationSettlement(containers, checkpoints, cluster, journal, events, deadline,
                background);
        this.postCopy = pageServers.map(p -> new PostCopySource(containers, checkpoints, cluster, journal,
                settlement, p, deadline));
    }

    /** See {@link MigrationSettlement#resumeInterrupted}. */
    public void resumeInterrupted() {
        settlement.resumeInterrupted();
    }

    public MigrationReport migrate(Request request, Listener listener) {
        Ownerships ownerships = cluster.ownerships().orElseThrow(() -> HydraException.invalid("hydra migrate moves"
                + " a container to another node of its cluster, and this daemon runs on its own (no --cluster)"));
        ContainerRecord r = containers.find(request.container());
        String self = cluster.nodeId();
        if (request.target().isBlank()) {
            throw HydraException.invalid("give the node to migrate " + r.name() + " to (--to NODE)");
        }
        if (request.target().equals(self)) {
            throw HydraException.invalid("container " + r.name() + " already runs on node " + self
                    + ": migrate it to another node");
        }
        NodeRecord target = cluster.peer(request.target()).orElseThrow(() -> HydraException.notFound("unknown node '"
                + request.target() + "': the other live nodes are " + (cluster.peerIds().isEmpty() ? "none"
                : String.join(", ", cluster.peerIds()))));
        if (request.tcpEstablished()) {
            throw HydraException.invalid("--tcp-established cannot cross nodes: an established connection needs the"
                    + " container's address on the target, and node " + target.id() + " has addresses of its own;"
                    + " migrate without it (listening sockets keep listening, established connections are reset)");
        }
        if (request.mode() == MigrationMode.POSTCOPY && checkpoints != null
                && !checkpoints.backend().capabilities().lazyPages()) {
            throw HydraException.conflict("post-copy needs lazy pages (userfaultfd), and the "
                    + checkpoints.backend().name() + " checkpoint backend of node " + self + " cannot serve them"
                    + " here; use --mode precopy");
        }
        Convergence rule;
        try {
            rule = new Convergence(request.maxRounds() == 0 ? Convergence.DEFAULT_MAX_ROUNDS : request.maxRounds(),
                    request.threshold());
        } catch (IllegalArgumentException e) {
            throw HydraException.invalid(e.getMessage());
        }
        if (r.status() != ContainerStatus.running) {
            throw HydraException.conflict("container " + r.name() + " is " + r.status()
                    + "; only a running container can be migrated");
        }
        if (target.criuVersion().isEmpty()) {
            throw HydraException.conflict("node " + target.id() + " cannot restore checkpoints (its daemon runs"
                    + " without CRIU), so it cannot take " + r.name());
        }
        long memory = ContainerResources.of(r).memoryBytes();
        if (memory > 0 && memory > target.freeMemoryBytes()) {
            throw HydraException.conflict("node " + target.id() + " has no room for " + r.name() + ": its memory"
                    + " limit is " + memory + " bytes and the node has " + target.freeMemoryBytes() + " free");
        }
        if (!cluster.member()) {
            throw HydraException.conflict("node " + self + " is not a confirmed member of its cluster now:"
                    + " it migrates nothing until it is");
        }
        Ownerships.Versioned owned = ownerships.get(r.id()).orElseThrow(() -> HydraException.conflict("container "
                + r.name() + " has no ownership record yet (the ownership pass writes one within seconds)"));
        if (!owned.record().node().equals(self) || owned.record().state() != OwnershipRecord.State.RUNNING) {
            throw HydraException.conflict("container " + r.name() + " cannot be migrated now: its ownership record"
                    + " names node " + owned.record().node() + " (" + owned.record().state().name().toLowerCase()
                    + ", epoch " + owned.record().epoch() + ")");
        }
        Entry entry = new Entry(UUID.randomUUID().toString(), r.id(), r.name(), self, target.id(),
                request.mode().text(), Phase.ROUNDS, 0, owned.record().epoch(), Instant.now(), null);
        Optional<Entry> running;
        try {
            running = journal.begin(entry);
        } catch (IOException e) {
            throw HydraException.failed("cannot record the migration of " + r.name() + ": " + e.getMessage());
        }
        if (running.isPresent()) {
            throw HydraException.conflict("a migration of " + r.name() + " to node " + running.get().to()
                    + " is already under way (" + running.get().id() + ", since " + running.get().startedAt() + ")");
        }
        LOG.infof("migrating %s to node %s (%s, %s)", r.name(), target.id(), request.mode().text(), entry.id());
        events.accept(announce.started(entry, request.mode() == MigrationMode.PRECOPY ? rule.maxRounds() : 0));
        return new Run(entry, target, request.mode(), rule, listener, ownerships).go();
    }

    /** One migration from its first round to its report; its state is its fields. */
    private final class Run {
        private Entry entry;
        private final NodeRecord target;
        private final MigrationMode mode;
        private final Convergence rule;
        private final Listener listener;
        private final Ownerships ownerships;
        private final long startNanos = System.nanoTime();
        private final List<Convergence.Round> rounds = new ArrayList<>();
        private final List<String> decisions = new ArrayList<>();
        private final List<CompletableFuture<Long>> prefetched = new ArrayList<>();
        private long uploaded;

        Run(Entry entry, NodeRecord target, MigrationMode mode, Convergence rule, Listener listener,
            Ownerships ownerships) {
            this.entry = entry;
            this.target = target;
            this.mode = mode;
            this.rule = rule;
            this.listener = listener;
            this.ownerships = ownerships;
        }

        MigrationReport go() {
            if (mode == MigrationMode.POSTCOPY) {
                try {
                    requireTarget();
                } catch (RuntimeException e) {
                    throw fail(e, "before the lazy dump");
                }
                return postCopy.orElseThrow(() -> fail(HydraException.failed("this node has no page server"
                        + " address and certificates"), "post-copy")).migrate(entry, target, listener, ownerships,
                        startNanos);
            }
            String decision = "stop-and-copy: one stopping dump, no rounds";
            try {
                if (mode == MigrationMode.PRECOPY) {
                    decision = preCopy();
                }
            } catch (RuntimeException e) {
                // nothing stopped: the container runs here as before
                throw fail(e, "pre-copy round " + (rounds.size() + 1) + " failed");
            }
            CheckpointService.Outcome last;
            Instant frozenAt;
            try {
                // the last moment a lost target costs nothing: the container still runs here
                requireTarget();
            } catch (RuntimeException e) {
                throw fail(e, "before the final dump");
            }
            try {
                entry = journal.advance(entry, Phase.DUMPING, 0, entry.epoch(), null);
                listener.phase("final", rounds.size() + 1, 0, 0);
                frozenAt = Instant.now();
                last = checkpoints.checkpoint(entry.containerId(), CheckpointOptions.simple(false),
                        (phase, done, total) -> listener.phase("final", rounds.size() + 1, done, total));
                uploaded += last.movedBytes();
                entry = journal.advance(entry, Phase.DUMPING, last.version(), entry.epoch(), frozenAt);
            } catch (IOException | RuntimeException e) {
                throw fail(e, "the final dump failed");
            }
            Optional<Ownerships.Versioned> handed;
            try {
                listener.phase("handoff", rounds.size() + 1, 0, 0);
                Ownerships.Versioned current = ownerships.get(entry.containerId()).orElse(null);
                handed = current == null || !current.record().node().equals(entry.from())
                        || current.record().epoch() != entry.epoch() ? Optional.empty()
                        : ownerships.replace(current, current.record().migratingTo(target.id(), last.version(),
                        entry.id(), Instant.now()));
                if (handed.isEmpty()) {
                    throw HydraException.conflict("its ownership record changed during the migration");
                }
                CrashPoint.at("migration.handed-over");
                entry = journal.advance(entry, Phase.HANDED_OVER, last.version(), handed.get().record().epoch(),
                        frozenAt);
            } catch (IOException | RuntimeException e) {
                // before the journal says HANDED_OVER the record may have moved: the recovery reads the record
                throw fail(e, "the handover to node " + target.id() + " failed");
            }
            LOG.infof("handed %s to node %s at epoch %d (version %d)", entry.name(), target.id(), entry.epoch(),
                    last.version());
            listener.phase("restore", rounds.size() + 1, 0, 0);
            long moved = uploaded + prefetchedBytes();
            Handover.Result result = new Handover(ownerships, entry.from(), n -> cluster.peer(n).isPresent())
                    .await(entry.containerId(), target.id(), entry.epoch(), deadline);
            return settlement.settle(entry, result, mode, rounds, decisions, decision, moved, startNanos).orElseThrow();
        }

        /** The rounds; what the rule decided at the last one. */
        private String preCopy() {
            Optional<Convergence.Round> previous = Optional.empty();
            for (int n = 1; ; n++) {
                int round = n;
                listener.phase("round", round, 0, 0);
                CheckpointService.Outcome o = checkpoints.checkpoint(entry.containerId(),
                        CheckpointOptions.simple(true), (phase, done, total) -> listener.phase("round", round, done,
                                total));
                uploaded += o.movedBytes();
                long millis = Math.max(1, o.duration().toMillis());
                Convergence.Round r = new Convergence.Round(round, o.version(), o.logicalBytes(), o.storedBytes(),
                        Math.round(o.logicalBytes() * o.changedFraction()), o.duration(), o.frozenMillis(),
                        o.movedBytes() * 1000 / millis);
                Convergence.Decision d = rule.after(r, previous);
                rounds.add(r);
                decisions.add(d.why());
                prefetch(o.version());
                listener.roundFinished(new RoundReport(r, d.why(), 0));
                LOG.infof("migration %s round %d: version %d, %d new bytes of %d; %s", entry.id(), round,
                        o.version(), o.storedBytes(), o.logicalBytes(), d.why());
                if (d.stop()) {
                    awaitPrefetches();
                    return d.why();
                }
                previous = Optional.of(r);
            }
        }

        /** The target pulls the round's version while the next round runs; one after the other, in order. */
        private void prefetch(long version) {
            CompletableFuture<Long> before = prefetched.isEmpty() ? CompletableFuture.completedFuture(0L)
                    : prefetched.get(prefetched.size() - 1);
            prefetched.add(before.handleAsync((ignored, error) -> {
                try {
                    return cluster.peerClient().orElseThrow().prefetch(target, entry.containerId(), version, deadline)
                            .getFetchedBytes();
                } catch (RuntimeException e) {
                    // not fatal: the target's restore fetches whatever it does not hold
                    LOG.warnf("node %s could not pull version %d of %s ahead: %s", target.id(), version,
                            entry.name(), e.getMessage());
                    return 0L;
                }
            }, background));
        }

        /**
         * Before the freeze, not after: waiting here costs no downtime, and the restore then has only the delta. A
         * target lost meanwhile ends the migration here, with the container still running on this node.
         */
        private void awaitPrefetches() {
            if (prefetched.isEmpty()) {
                return;
            }
            CompletableFuture<Long> last = prefetched.get(prefetched.size() - 1);
            long until = System.nanoTime() + deadline.toNanos();
            while (!last.isDone() && System.nanoTime() < until) {
                requireTarget();
                try {
                    last.get(250, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // done with an error (logged by the prefetch) or not yet: the loop looks again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw HydraException.failed("interrupted while node " + target.id() + " pulled ahead");
                }
            }
        }

        private void requireTarget() {
            if (cluster.peer(target.id()).isEmpty()) {
                throw HydraException.failed("node " + target.id() + " was lost");
            }
        }

        private long prefetchedBytes() {
            return prefetched.stream().mapToLong(f -> f.getNow(0L)).sum();
        }

        private HydraException fail(Exception cause, String step) {
            String why = step + ": " + cause.getMessage();
            LOG.warnf("migration %s of %s: %s", entry.id(), entry.name(), why);
            String runsOn = settlement.settleHere(entry, why, rounds.size(), uploaded);
            return HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + " failed: "
                    + why + (runsOn.isEmpty() ? "; it runs nowhere now" : "; it runs on node " + runsOn));
        }
    }
}
