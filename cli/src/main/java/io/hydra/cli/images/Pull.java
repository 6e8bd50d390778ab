package io.hydra.cli.images;

import io.hydra.api.v1.PullRequest;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull", description = "Pull an image from a registry into the blob store.")
public final class Pull extends DaemonCommand {
    @Option(names = "--tls-verify", arity = "1", defaultValue = "true",
            description = "false: plain HTTP to this registry (as for hosts in hydra.registries.insecure)")
    boolean tlsVerify;

    @Option(names = "--format", description = "text or json (the summary)")
    String format = "text";

    @Parameters(paramLabel = "REF", description = "image reference, e.g. busybox or host:5000/repo:tag")
    String ref;

    @Override
    protected int call(DaemonConnection c) {
        return new ImageTransfer(out(), err(), format).follow(
                c.images().pull(PullRequest.newBuilder().setRef(ref).setTlsVerify(tlsVerify).build()), "pulled");
    }
}
