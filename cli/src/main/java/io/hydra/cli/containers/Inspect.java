package io.hydra.cli.containers;

import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.NamedCommand;
import io.hydra.cli.cluster.ContainerJson;
import picocli.CommandLine.Command;

/**
 * {@code hydra inspect}. A container of a lost node is served from the cluster's records with status {@code lost};
 * why it was not restored elsewhere (no node fits, no complete checkpoint, not protected) is its {@code exitReason}.
 */
@Command(name = "inspect", description = "Everything known about a container, as JSON.")
public final class Inspect extends NamedCommand {
    @Override
    protected int call(DaemonConnection c) {
        out().println(Json.write(ContainerJson.of(c.containers().inspect(ref()), true)));
        return 0;
    }
}
