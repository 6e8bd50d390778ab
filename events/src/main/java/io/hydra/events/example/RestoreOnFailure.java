package io.hydra.events.example;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.events.kafka.ConsumerSettings;
import io.hydra.events.kafka.HydraEventConsumer;
import io.hydra.events.kafka.PublisherSettings;

/**
 * An example automation on Hydra's event stream: when a container fails (exits with a non-zero code, or is killed by
 * the OOM killer), restore it from its newest checkpoint.
 *
 * <p>It shows the shape of such a program: a consumer group (so a restarted automation resumes where it stopped),
 * duplicate events dropped by id, decisions made from the event's payload alone, and the action taken through
 * Hydra's gRPC API ({@code Checkpoints.Restore}, see {@link GrpcRestorer}). A container with no checkpoint is not
 * protected: the daemon says so and the automation logs it and moves on.
 *
 * <pre>
 * java -cp hydra-events.jar:... io.hydra.events.example.RestoreOnFailure [--hydra unix:///run/hydra/hydra.sock] \
 *     [--bootstrap-servers 127.0.0.1:9092] [--topic hydra.events] [--group hydra-restore-on-failure] [--from-beginning]
 * </pre>
 */
public final class RestoreOnFailure {
    private static final Logger LOG = System.getLogger(RestoreOnFailure.class.getName());
    /** Enough ids to recognize redeliveries, which come close together; bounded so a long run stays small. */
    private static final int REMEMBERED_IDS = 10_000;

    /** Restores one container from its newest checkpoint and says what happened; throws when it could not. */
    @FunctionalInterface
    public interface Restorer {
        String restoreNewest(String containerId) throws Exception;
    }

    private final Restorer restorer;

    public RestoreOnFailure(Restorer restorer) {
        this.restorer = restorer;
    }

    private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_IDS;
        }
    };

    /**
     * Why this event calls for a restore, or empty. Only the exit event decides: an OOM kill is published as an OOM
     * event and an exit event carrying {@code oomKilled}, and one restore is enough.
     */
    public static Optional<String> restoreReason(HydraEvent event) {
        if (!EventType.CONTAINER_EXITED.equals(event.type())) {
            return Optional.empty();
        }
        if (event.oomKilled()) {
            return Optional.of("it was killed by the OOM killer");
        }
        OptionalInt exitCode = event.exitCode();
        if (exitCode.isPresent() && exitCode.getAsInt() != 0) {
            return Optional.of("it exited with code " + exitCode.getAsInt()
                    + event.signal().map(s -> " (" + s + ")").orElse(""));
        }
        return Optional.empty();
    }

    /** Acts on one event; returns the sentence it logs, or empty when it had nothing to do (or saw it before). */
    public Optional<String> handle(HydraEvent event) {
        if (seen.put(event.id(), Boolean.TRUE) != null) {
            return Optional.empty();
        }
        return restoreReason(event).map(reason -> {
            String who = "container " + event.containerName().orElse("?") + " (" + event.subject() + ") of node "
                    + event.nodeId();
            try {
                return "restored " + who + ", because " + reason + ": " + restorer.restoreNewest(event.subject());
            } catch (Exception e) {
                return "did not restore " + who + " (" + reason + "): " + e.getMessage();
            }
        });
    }

    public static void main(String[] args) {
        String bootstrap = "127.0.0.1:9092";
        String topic = PublisherSettings.DEFAULT_TOPIC;
        String group = "hydra-restore-on-failure";
        // A new group starts at the end: old failures were someone else's to handle.
        String offsetReset = "latest";
        String hydra = "unix:///run/hydra/hydra.sock";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--hydra" -> hydra = value(args, ++i);
                case "--bootstrap-servers" -> bootstrap = value(args, ++i);
                case "--topic" -> topic = value(args, ++i);
                case "--group" -> group = value(args, ++i);
                case "--from-beginning" -> offsetReset = "earliest";
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n");
        }
        ConsumerSettings settings = new ConsumerSettings(bootstrap, topic, group,
                Map.of("auto.offset.reset", offsetReset));
        try (GrpcRestorer restorer = GrpcRestorer.connect(hydra);
             HydraEventConsumer consumer = new HydraEventConsumer(settings)) {
            RestoreOnFailure automation = new RestoreOnFailure(restorer);
            Thread main = Thread.currentThread();
            // Ctrl-C: leave the poll loop and let main close the consumer (leaving the group cleanly) before exit.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.stop();
                try {
                    main.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "restore-on-failure-stop"));
            LOG.log(Level.INFO, "watching {0} on {1} as group {2}", topic, bootstrap, group);
            consumer.run(event -> automation.handle(event).ifPresent(plan -> LOG.log(Level.INFO, plan)));
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: RestoreOnFailure [--hydra unix:///PATH] [--bootstrap-servers HOST:PORT] [--topic TOPIC] [--group GROUP] "
                + "[--from-beginning]");
        System.exit(2);
    }
}
