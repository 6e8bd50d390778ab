package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraConfig;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.LeadershipListener;
import io.hydra.spi.cluster.MemberEvent;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.scheduler.Scheduler;

/**
 * The cluster's controller: every daemon campaigns, the elected one acts. It is level-triggered: each pass reads the
 * members, the ledger of announced nodes and every ownership record afresh and does what they call for, on member
 * events and every second. A pass never relies on what an earlier one (or an earlier controller) did, and every
 * write is a compare-and-set on what it read, so a controller that dies mid-failover is replaced by one that finishes
 * it, and each container is bound exactly once.
 */
public final class FailoverController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FailoverController.class);
    private static final Duration PASS_EVERY = Duration.ofSeconds(1);
    private static final Duration PROBE_DEADLINE = Duration.ofMillis(500);

    private final Coordinator coordinator;
    private final Ownerships ownerships;
    private final PeerProbe peers;
    private final Consumer<HydraEvent> events;
    private final String nodeId;
    private final Duration grace;
    private final NodeLedger ledger;
    private final FailoverPlanner planner;
    private final FailoverEvents announce;
    private final ScheduledExecutorService loop;

    // confined to the loop thread
    private Subscription memberWatch;
    private ScheduledFuture<?> periodic;
    /** Written on the loop thread, read by {@link #leading()} from any. */
    private volatile boolean leading;
    private boolean retryLost;
    private boolean firstPassOfTerm;

    private final AtomicBoolean passQueued = new AtomicBoolean();
    private volatile Subscription campaign;
    private volatile boolean closed;

    public FailoverController(Coordinator coordinator, Ownerships ownerships, Scheduler scheduler, PeerProbe peers,
                              Consumer<HydraEvent> events, HydraConfig.Cluster settings, String nodeId) {
        this.coordinator = coordinator;
        this.ownerships = ownerships;
        this.peers = peers;
        this.events = events;
        this.nodeId = nodeId;
        this.grace = settings.grace();
        this.ledger = new NodeLedger(coordinator);
        this.planner = new FailoverPlanner(scheduler, grace);
        this.announce = new FailoverEvents(nodeId);
        ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hydra-failover-controller");
            t.setDaemon(true);
            return t;
        });
        // a pass scheduled for the end of a grace must not hold close() up until then
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        loop.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        loop.setRemoveOnCancelPolicy(true);
        this.loop = loop;
    }

    public void start() {
        campaign = coordinator.campaign(nodeId, new LeadershipListener() {
            @Override
            public void elected() {
                submit(FailoverController.this::lead);
            }

            @Override
            public void revoked() {
                submit(FailoverController.this::stepDown);
            }
        });
    }

    /** Whether this daemon controls the cluster now (as far as its plugin has told it). */
    public boolean leading() {
        return leading;
    }

    @Override
    public void close() {
        closed = true;
        Subscription c = campaign;
        if (c != null) {
            c.close();
        }
        submit(this::stepDown);
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.shutdownNow();
        }
    }

    private void submit(Runnable task) {
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: nothing is to be done any more
        }
    }

    private void lead() {
        if (leading || closed) {
            return;
        }
        leading = true;
        firstPassOfTerm = true;
        LOG.infof("node %s controls the cluster", nodeId);
        try {
            memberWatch = coordinator.watchMembers(this::onMember);
        } catch (CoordinatorException e) {
            // the periodic pass acts without the watch, only later
            LOG.warnf("cannot watch the cluster's members (%s); acting on the periodic pass only", e.getMessage());
        }
        periodic = loop.scheduleWithFixedDelay(this::pass, 0, PASS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stepDown() {
        if (!leading) {
            return;
        }
        leading = false;
        if (memberWatch != null) {
            memberWatch.close();
            memberWatch = null;
        }
        if (periodic != null) {
            periodic.cancel(false);
            periodic = null;
        }
        LOG.infof("node %s no longer controls the cluster", nodeId);
    }

    /**
     * On the plugin's thread. Every node rewrites its record every few seconds and each rewrite is an event: events
     * that arrive while a pass is queued are served by that pass, which reads everything afresh anyway.
     */
    private void onMember(MemberEvent event) {
        if (passQueued.compareAndSet(false, true)) {
            submit(() -> {
                passQueued.set(false);
                pass();
            });
        }
        if (event.kind() == MemberEvent.Kind.LEFT) {
            // the loss is acted on once the grace has passed: a pass is due exactly then, not up to a second later
            submit(() -> loop.schedule(this::pass, grace.toMillis() + 5, TimeUnit.MILLISECONDS));
        }
    }

    /** One look at the whole cluster; a failure leaves everything to the next one. */
    void pass() {
        if (!leading) {
            return;
        }
        try {
            passOnce();
        } catch (CoordinatorException e) {
            LOG.warnf("controller pass skipped, the coordinator failed: %s", e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "controller pass failed");
        }
    }

    private void passOnce() {
        Instant now = Instant.now();
        LiveNodes live = LiveNodes.of(coordinator.liveMembers());
        Map<String, NodeLiveness> announced = ledger.all();
        List<Ownerships.Versioned> records = ownerships.all();
        announceJoins(live, announced, now);
        announceLosses(live, announced, records, now);
        // lost protected containers are placed again when a node joins (it may be the one they wait for), and by a
        // new controller (the last one may have died before it did): not on every pass, where a container whose
        // every version fails would be bounced between nodes forever
        boolean retry = retryLost || firstPassOfTerm;
        Map<String, Instant> losses = ledger.losses();
        Map<String, Set<String>> holders = rootfsHolders(planner.rootfsToProbe(records, live, retry), live);
        List<FailoverAction> actions = planner.plan(new FailoverPlanner.View(records, live, losses, holders, retry,
                now));
        for (FailoverAction action : actions) {
            apply(action, now);
        }
        if (retry) {
            retryLost = false;
        }
        firstPassOfTerm = false;
    }

    private void announceJoins(LiveNodes live, Map<String, NodeLiveness> announced, Instant now) {
        for (String id : live.ids()) {
            NodeLiveness was = announced.get(id);
            if (was != null && was.live()) {
                continue;
            }
            if (ledger.markJoined(id, now)) {
                LOG.infof("node %s joined the cluster%s", id, was == null ? "" : " again");
                events.accept(announce.nodeJoined(id, live.records().get(id), was != null));
                // a node that joins may be the one a lost container was waiting for
                retryLost = true;
            }
        }
    }

    /** Announces every node that is not live but was, or that a record still names. */
    private void announceLosses(LiveNodes live, Map<String, NodeLiveness> announced,
                                List<Ownerships.Versioned> records, Instant now) {
        Set<String> gone = new LinkedHashSet<>();
        announced.values().stream().filter(n -> n.live() && !live.isLive(n.node())).forEach(n -> gone.add(n.node()));
        for (Ownerships.Versioned v : records) {
            OwnershipRecord r = v.record();
            if (r.state() != State.LOST && !r.node().isEmpty() && !live.isLive(r.node())
                    && !announcedLost(announced, r.node())) {
                gone.add(r.node());
            }
        }
        if (firstPassOfTerm) {
            // a node that joined and left while no controller ran has only its persistent record to show for it
            for (NodeRecord member : ledger.members().values()) {
                if (!live.isLive(member.id()) && !announced.containsKey(member.id())) {
                    gone.add(member.id());
                }
            }
        }
        for (String node : gone) {
            if (ledger.markLost(node, now)) {
                List<String> containers = new ArrayList<>();
                records.stream().map(Ownerships.Versioned::record)
                        .filter(r -> r.node().equals(node) && r.state() != State.LOST)
                        .forEach(r -> containers.add(r.containerId()));
                LOG.warnf("node %s lost (its lease expired); %d containers were on it", node, containers.size());
                events.accept(announce.nodeLost(node, now, containers));
                loop.schedule(this::pass, grace.toMillis() + 5, TimeUnit.MILLISECONDS);
            }
        }
    }

    private static boolean announcedLost(Map<String, NodeLiveness> announced, String node) {
        NodeLiveness n = announced.get(node);
        return n != null && !n.live();
    }

    private Map<String, Set<String>> rootfsHolders(Set<String> paths, LiveNodes live) {
        if (paths.isEmpty()) {
            return Map.of();
        }
        return RootfsHolders.ask(peers, live, List.copyOf(paths), PROBE_DEADLINE, nodeId);
    }

    private void apply(FailoverAction action, Instant now) {
        OwnershipRecord r = action.current().record();
        if (action instanceof FailoverAction.Move move) {
            if (ownerships.replace(action.current(), r.movedTo(move.target(), move.lostAt(), now)).isPresent()) {
                LOG.infof("container %s (%s) of node %s goes to node %s (epoch %d)", r.name(), r.containerId(),
                        r.node(), move.target(), r.epoch() + 1);
            } else {
                LOG.debugf("container %s changed since it was read; the next pass looks again", r.containerId());
            }
        } else if (action instanceof FailoverAction.Lose lose) {
            OwnershipRecord lost = r.lost(lose.reason(), lose.lostAt(), now);
            if (ownerships.replace(action.current(), lost).isPresent()) {
                LOG.warnf("container %s (%s) is lost: %s", r.name(), r.containerId(), lose.reason());
                events.accept(announce.containerLost(lost));
            }
        }
    }
}
