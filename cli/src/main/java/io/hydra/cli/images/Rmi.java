package io.hydra.cli.images;

import java.util.List;

import io.grpc.StatusRuntimeException;
import io.hydra.api.v1.RemoveImageRequest;
import io.hydra.api.v1.RemoveImageResponse;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rmi", description = "Remove images; blobs no other image uses are deleted from the store.")
public final class Rmi extends DaemonCommand {
    @Option(names = {"-f", "--force"}, description = "remove even while a container uses it (kept by digest until"
            + " no container does)")
    boolean force;

    @Parameters(paramLabel = "REF", arity = "1..*", description = "image references")
    List<String> refs;

    @Override
    protected int call(DaemonConnection c) {
        StatusRuntimeException failure = null;
        for (String ref : refs) {
            try {
                RemoveImageResponse r = c.images().remove(RemoveImageRequest.newBuilder().setRef(ref)
                        .setForce(force).build());
                out().println("removed " + r.getRef() + " (" + r.getDigest() + ")"
                        + (r.getKeptForContainers() ? ", kept by digest while containers use it" : ""));
            } catch (StatusRuntimeException e) {
                // the others are still removed; the first failure decides the exit code
                err().println("hydra: " + failureMessage(e));
                if (failure == null) {
                    failure = e;
                }
            }
        }
        out().flush();
        err().flush();
        // each failure is reported above; the first decides the exit code
        return failure == null ? 0 : ExitCodes.of(failure);
    }
}
