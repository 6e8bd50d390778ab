package io.hydra.cli.images;

import java.nio.file.Path;

import io.hydra.api.v1.ImportRequest;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", description = "Import the images of an OCI layout directory, an oci-archive or a"
        + " docker-archive tar (the daemon reads the path on its host).")
public final class ImportCommand extends DaemonCommand {
    @Option(names = "--format", description = "text or json (the summary)")
    String format = "text";

    @Parameters(paramLabel = "FILE|DIR", description = "the layout directory or archive")
    Path path;

    @Override
    protected int call(DaemonConnection c) {
        return new ImageTransfer(out(), err(), format).follow(c.images().import_(ImportRequest.newBuilder()
                .setPath(path.toAbsolutePath().normalize().toString()).build()), "imported");
    }
}
