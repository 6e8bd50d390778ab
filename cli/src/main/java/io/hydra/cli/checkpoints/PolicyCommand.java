package io.hydra.cli.checkpoints;

import java.util.ArrayList;
import java.util.List;

import io.hydra.api.v1.Policy;
import io.hydra.api.v1.PolicyRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import io.hydra.cli.cluster.Constraints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hydra policy}; not named Policy, which is the API's message it sets. A container with a policy is protected
 * (in a cluster it is restored on another node when its own is lost) unless {@code --no-failover}.
 */
@Command(name = "policy", description = "Periodic leave-running checkpoints keeping the newest N versions.")
public final class PolicyCommand extends NamedCommand {
    @Option(names = "--every", description = "interval, e.g. 30s, 5m, 1h")
    String every;

    @Option(names = "--keep", description = "versions to keep (default 5)")
    int keep = 5;

    @Option(names = "--remove", description = "remove the container's policy")
    boolean remove;

    @Option(names = "--no-failover", description = "checkpoint, but do not restore on another node when this one"
            + " is lost")
    boolean noFailover;

    @Option(names = "--constraint", paramLabel = "K=V", description = "a node label a failover target must have"
            + " (repeatable: every one; replaces the container's constraints)")
    List<String> constraints = new ArrayList<>();

    @Override
    protected int call(DaemonConnection c) {
        PolicyRequest request = request();
        Policy p = c.checkpoints().setPolicy(request);
        out().println(remove ? name + ": policy removed"
                : name + ": every " + p.getEveryMs() / 1000.0 + " s, keep " + p.getKeep() + ", next at "
                + p.getNextDue() + (p.getProtected() ? ", protected (fails over)" : ", not protected (no failover)"));
        return 0;
    }

    /** The request these flags make; a usage error (exit 2) for flags that contradict each other or are malformed. */
    PolicyRequest request() {
        if (!remove && every == null) {
            throw usageError("policy needs --every (or --remove)");
        }
        if (remove && (noFailover || !constraints.isEmpty())) {
            throw usageError("--remove takes no --no-failover or --constraint: a removed policy protects nothing");
        }
        PolicyRequest.Builder b = PolicyRequest.newBuilder().setName(name).setEvery(every == null ? "" : every)
                .setKeep(keep).setRemove(remove).setNoFailover(noFailover);
        try {
            b.putAllConstraints(Constraints.parse(constraints));
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
        return b.build();
    }
}
