package io.hydra.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Parameters;

/**
 * A verb that changes containers and takes several names, as docker's do: each is tried in turn, each success
 * prints the name as given, each failure is reported, and the exit status is non-zero if any failed.
 */
public abstract class MultiNameCommand extends DaemonCommand {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "container names, ids or unique id prefixes")
    protected List<String> names = new ArrayList<>();

    @Override
    protected final int call(DaemonConnection c) {
        int status = 0;
        for (String name : names) {
            try {
                apply(c, name);
                out().println(name);
                out().flush();
            } catch (RuntimeException e) {
                err().println("hydra: " + name + ": " + Hydra.message(e, hydra().resolvedHost()));
                err().flush();
                status = Math.max(status, ExitCodes.of(e));
            }
        }
        return status;
    }

    /** Changes one container; throws when that fails. */
    protected abstract void apply(DaemonConnection c, String name);
}
