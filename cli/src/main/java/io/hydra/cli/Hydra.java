package io.hydra.cli;

import java.io.File;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.hydra.cli.images.ImageCommand;
import io.hydra.cli.images.Images;
import io.hydra.cli.images.Pull;
import io.hydra.cli.images.Rmi;
import io.hydra.cli.checkpoints.Checkpoint;
import io.hydra.cli.checkpoints.Checkpoints;
import io.hydra.cli.checkpoints.PolicyCommand;
import io.hydra.cli.checkpoints.Restore;
import io.hydra.cli.checkpoints.RmCheckpoint;
import io.hydra.cli.cluster.Migrate;
import io.hydra.cli.cluster.Nodes;
import io.hydra.cli.containers.Attach;
import io.hydra.cli.containers.Create;
import io.hydra.cli.containers.Exec;
import io.hydra.cli.containers.Inspect;
import io.hydra.cli.containers.Kill;
import io.hydra.cli.containers.Logs;
import io.hydra.cli.containers.Pause;
import io.hydra.cli.containers.Ps;
import io.hydra.cli.containers.Restart;
import io.hydra.cli.containers.Resume;
import io.hydra.cli.containers.Rm;
import io.hydra.cli.containers.Run;
import io.hydra.cli.containers.Start;
import io.hydra.cli.containers.Stats;
import io.hydra.cli.containers.Stop;
import io.hydra.cli.containers.Top;
import io.hydra.cli.containers.Wait;
import io.hydra.cli.system.Events;
import io.hydra.cli.system.Info;
import io.hydra.cli.system.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code hydra} command line: a gRPC client of the daemon. This root holds the global options (where the daemon
 * is, how to reach it) and turns failures into a message and an exit status ({@link ExitCodes}); each verb is its
 * own class, grouped by concern in {@code containers}, {@code checkpoints}, {@code images}, {@code cluster} and
 * {@code system}.
 */
@Command(name = "hydra", mixinStandardHelpOptions = true, version = "hydra 0.1.0",
        description = "Containers that outlive their daemon.",
        subcommands = {CommandLine.HelpCommand.class, Run.class, Create.class, Start.class, Stop.class, Kill.class, Pause.class, Resume.class,
                Restart.class, Rm.class, Ps.class, Inspect.class, Logs.class, Wait.class, Attach.class, Exec.class,
                Top.class, Stats.class, Checkpoint.class, Checkpoints.class, Restore.class, RmCheckpoint.class,
                PolicyCommand.class, Pull.class, Images.class, Rmi.class, ImageCommand.class, Nodes.class, Migrate.class,
                Events.class, Info.class, Version.class})
public final class Hydra {
    @Option(names = "--host", description = "unix:///PATH or tcp://HOST:PORT (env HYDRA_HOST)")
    String host;

    @Option(names = "--tls-cert", description = "client certificate for tcp://")
    File tlsCert;

    @Option(names = "--tls-key", description = "client key (PKCS#8 PEM) for tcp://")
    File tlsKey;

    @Option(names = "--tls-ca", description = "CA of the daemon's certificate for tcp://")
    File tlsCa;

    Map<String, String> env = System.getenv();
    InputStream in = System.in;
    /** Our own stdout and stderr as bytes, when we run as the command (container output is copied there as is). */
    java.io.OutputStream rawOut;
    java.io.OutputStream rawErr;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), System.getenv(), System.in, System.out,
                System.err));
    }

    /** Runs one command; the tests call this in-process. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return execute(args, out, err, env, System.in);
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, InputStream in) {
        return execute(args, out, err, env, in, null, null);
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, InputStream in,
                       java.io.OutputStream rawOut, java.io.OutputStream rawErr) {
        Hydra hydra = new Hydra();
        hydra.env = env;
        hydra.in = in;
        hydra.rawOut = rawOut;
        hydra.rawErr = rawErr;
        CommandLine cl = commandLine(hydra);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("hydra: " + message(e, hydra.resolvedHost()));
            commandLine.getErr().flush();
            return ExitCodes.of(e, commandLine.getCommandName());
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** The command line of every verb, parsed the way {@link #execute} parses it. */
    public static CommandLine commandLine(Hydra hydra) {
        CommandLine cl = new CommandLine(hydra);
        // `run IMAGE CMD -x`: what follows the first positional is the container's command, options included
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.getSubcommands().get("create").setStopAtPositional(true);
        return cl;
    }

    public String resolvedHost() {
        if (host != null) {
            return host;
        }
        String fromEnv = env.get("HYDRA_HOST");
        return fromEnv != null && !fromEnv.isEmpty() ? fromEnv : "unix:///run/hydra/hydra.sock";
    }

    DaemonConnection connect() {
        return new DaemonConnection(resolvedHost(), tlsCert, tlsKey, tlsCa);
    }

    public static String message(Exception e, String host) {
        if (e instanceof StatusRuntimeException s) {
            if (s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                return "cannot reach the hydra daemon at " + host + " (is it running?): "
                        + s.getStatus().getDescription();
            }
            String d = s.getStatus().getDescription();
            return d != null ? d : s.getStatus().getCode().toString();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
