package io.hydra.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import io.hydra.api.v1.LogChunk;
import picocli.CommandLine;

/** A subcommand that talks to the daemon: one connection for the length of the command. */
public abstract class DaemonCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Every verb answers --help (DESIGN.md's CLI contract); picocli prints the verb's usage and exits 0. */
    @CommandLine.Option(names = "--help", usageHelp = true, description = "Show this verb's usage and exit.")
    boolean helpRequested;

    /** The top command, whatever the nesting ({@code hydra image import} sits one level deeper than the rest). */
    protected Hydra hydra() {
        return (Hydra) spec.root().userObject();
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Our stdin, as the caller of {@link Hydra#execute} gave it. */
    protected InputStream stdin() {
        return hydra().in;
    }

    /** Whether our stdin is the process's own (so it may be a terminal we can put in raw mode). */
    protected boolean stdinIsProcessStdin() {
        return hydra().in == System.in;
    }

    /** The environment the CLI runs in (as the caller of {@link Hydra#execute} gave it). */
    protected java.util.Map<String, String> cliEnvironment() {
        return hydra().env;
    }

    /** What a failure says to the user, as every verb reports it (an unreachable daemon named with its address). */
    protected String failureMessage(Exception e) {
        return Hydra.message(e, hydra().resolvedHost());
    }

    /** A bad argument found only once the command runs: picocli reports it as a usage error (exit 2). */
    protected CommandLine.ParameterException usageError(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        try (DaemonConnection c = hydra().connect()) {
            return call(c);
        }
    }

    protected abstract int call(DaemonConnection c) throws Exception;

    /** Copies a log or output stream to our stdout and stderr. */
    protected void write(LogChunk chunk) {
        boolean stderr = chunk.getStream() == LogChunk.Stream.STDERR;
        PrintWriter w = stderr ? err() : out();
        w.flush();
        java.io.OutputStream raw = stderr ? hydra().rawErr : hydra().rawOut;
        if (raw != null) {
            // the container's bytes as they are: no decoding, so no replacement characters and no re-encoding
            try {
                chunk.getData().writeTo(raw);
                raw.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return;
        }
        w.print(chunk.getData().toString(StandardCharsets.UTF_8));
        w.flush();
    }
}
