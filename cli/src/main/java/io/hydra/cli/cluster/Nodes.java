package io.hydra.cli.cluster;

import io.hydra.api.v1.ClusterGrpc;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.NodeList;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hydra nodes}: the cluster as the daemon sees it (Cluster.Nodes), or that the daemon is alone. */
@Command(name = "nodes", description = "The cluster's nodes: status, containers, free memory, labels, leader.")
public final class Nodes extends DaemonCommand {
    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        if (!format.equals("table") && !format.equals("json")) {
            throw usageError("--format must be table or json, got '" + format + "'");
        }
        // the Cluster service shares the daemon's one channel with the others
        NodeList list = ClusterGrpc.newBlockingStub(c.system().getChannel()).nodes(Empty.getDefaultInstance());
        out().print(NodesFormat.render(list, format.equals("json")));
        return 0;
    }
}
