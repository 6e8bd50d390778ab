package io.hydra.cli.checkpoints;

import io.hydra.api.v1.Policy;
import io.hydra.api.v1.PolicyRequest;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hydra policy}; not named Policy, which is the API's message it sets. */
@Command(name = "policy", description = "Periodic leave-running checkpoints keeping the newest N versions.")
public final class PolicyCommand extends NamedCommand {
    @Option(names = "--every", description = "interval, e.g. 30s, 5m, 1h")
    String every;

    @Option(names = "--keep", description = "versions to keep (default 5)")
    int keep = 5;

    @Option(names = "--remove", description = "remove the container's policy")
    boolean remove;

    @Override
    protected int call(DaemonConnection c) {
        if (!remove && every == null) {
            throw usageError("policy needs --every (or --remove)");
        }
        Policy p = c.checkpoints().setPolicy(PolicyRequest.newBuilder().setName(name)
                .setEvery(every == null ? "" : every).setKeep(keep).setRemove(remove).build());
        out().println(remove ? name + ": policy removed"
                : name + ": every " + p.getEveryMs() / 1000.0 + " s, keep " + p.getKeep() + ", next at "
                + p.getNextDue());
        return 0;
    }
}
