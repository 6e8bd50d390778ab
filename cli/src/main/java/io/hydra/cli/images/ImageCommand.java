package io.hydra.cli.images;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hydra image SUBCOMMAND}: the image verbs that are not top-level docker verbs. */
@Command(name = "image", description = "Manage images (import).", subcommands = {ImportCommand.class})
public final class ImageCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--help", usageHelp = true, description = "Show this verb's usage and exit.")
    boolean helpRequested;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "image needs a subcommand: import");
    }
}
