package io.hydra.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/** The daemon's settings; each is also a {@code hydra daemon --flag} (see bin/hydra). */
@ConfigMapping(prefix = "hydra")
public interface HydraConfig {
    /**
     * A properties file of {@code hydra.*} settings ({@code hydra daemon --config FILE}), read by
     * {@link io.hydra.runtime.config.ConfigFileSource}; flags and system properties override it.
     */
    Optional<Path> config();

    /** Durable state: the database, container directories, exit files. */
    @WithDefault("/var/lib/hydra")
    Path root();

    /** The gRPC Unix socket. */
    @WithDefault("/run/hydra/hydra.sock")
    Path socket();

    /** A group allowed to use the socket (0660); without it the socket is 0600, root only. */
    Optional<String> socketGroup();

    /** This node's name; the hostname when unset. */
    Optional<String> nodeId();

    /** The default monitor strategy, by plugin name. */
    @WithDefault("eager")
    String monitor();

    /** gRPC over TCP, only with mutual TLS: HOST:PORT. */
    Optional<String> listen();

    Tls tls();

    Runtime runtime();

    /** What to do with a running container whose monitor died. */
    @WithDefault("restart")
    OrphanPolicy orphanPolicy();

    /** How often the daemon re-checks every container and monitor, behind inotify and pidfd notifications. */
    @WithDefault("2s")
    Duration reconcileInterval();

    /** Default grace period of stop and restart, in seconds, before SIGKILL. */
    @WithDefault("10")
    int stopTimeout();

    /** The loopback port of health (/q/health) and Prometheus metrics (/q/metrics); 0 picks a free one. */
    @WithDefault("9470")
    int httpPort();

    /**
     * Plugin settings by type, name and key: {@code hydra.plugin.monitor.eager.conmon-path=/usr/bin/conmon}. Each
     * plugin gets its own map and nothing else.
     */
    Map<String, Map<String, Map<String, String>>> plugin();

    Checkpoint checkpoint();

    Registries registries();

    Cluster cluster();

    /** This node's labels, {@code K=V,K=V}: what {@code --constraint K=V} on a container matches. */
    Optional<String> labels();

    /** The placement strategy, by plugin name: {@code spread}, {@code binpack} or {@code least-loaded}. */
    @WithDefault("spread")
    String scheduler();

    /**
     * Several daemons as one cluster ({@code hydra daemon --cluster etcd://HOST:PORT[,HOST:PORT]}). Without it the
     * daemon is a single node: no coordinator, nothing fails over. The coordinator's own settings (TLS to etcd, say)
     * are plugin settings, {@code hydra.plugin.cluster.etcd.*}.
     */
    interface Cluster {
        /** {@code SCHEME://ENDPOINTS}: the scheme names the coordinator plugin, the rest is handed to it. */
        @WithParentName
        Optional<String> url();

        /** The node lease's time to live: a node whose lease is not renewed for this long is lost. */
        @WithDefault("3s")
        Duration ttl();

        /**
         * How long before its lease could expire a daemon that cannot renew it freezes its protected containers:
         * the cluster may restore them elsewhere once it has expired.
         */
        @WithDefault("1s")
        Duration fenceMargin();

        /** How long after a node's lease expired the controller waits before it moves the node's containers. */
        @WithDefault("500ms")
        Duration grace();

        /**
         * Start as a single node, with the reason in {@code hydra info}, when the coordinator cannot be reached at
         * start-up; by default the daemon refuses to start (a node that silently left its cluster protects nothing).
         */
        @WithDefault("false")
        boolean singleNodeFallback();
    }

    /** How images are pulled (hydra pull). */
    interface Registries {
        /**
         * Registries (HOST or HOST:PORT, as in the image reference) spoken to over plain HTTP, without TLS:
         * {@code hydra.registries.insecure=127.0.0.1:5000,registry.lan}.
         */
        Optional<List<String>> insecure();

        /**
         * A credentials file in the format {@code docker login} writes; {@code $REGISTRY_AUTH_FILE} overrides it,
         * and without either {@code ~/.docker/config.json} is read when it exists.
         */
        Optional<Path> authFile();
    }

    /** Kafka's bootstrap servers (HOST:PORT,...). Without it events stay in the outbox and on `hydra events`. */
    Optional<String> kafka();

    Events events();

    interface Events {
        @WithDefault("hydra.events")
        String topic();

        /** CloudEvents content mode on Kafka: {@code structured} or {@code binary}. */
        @WithDefault("structured")
        String mode();

        /** Events kept in the local outbox for `hydra events` (those Kafka has not acknowledged are always kept). */
        @WithDefault("100000")
        long retain();

        /** Extra Kafka producer properties (security settings, say); the delivery guarantees cannot be weakened. */
        Map<String, String> producer();
    }

    /** Where checkpoints are kept, by storage plugin name: {@code fs} (under {@code <root>/storage}) or {@code s3}. */
    @WithDefault("fs")
    String storage();

    interface Checkpoint {
        /** The checkpoint backend, by plugin name ({@code hydra.checkpoint=criu}). */
        @WithParentName
        @WithDefault("criu")
        String backend();

        /**
         * A file holding the key of the manifests' HMAC-SHA256 (at least 16 bytes); restore refuses any manifest
         * without a valid MAC. Without it, a daemon on {@code fs} storage generates one under its root at first
         * start; a shared store ({@code s3}) needs it, or {@link #unsigned()}.
         */
        Optional<Path> key();

        /** Store manifests without a MAC (and read them without one); {@code hydra info} reports it. */
        @WithDefault("false")
        boolean unsigned();

        /**
         * Restore, on an unsigned store, a container this node has no record of (its stored config is then all there
         * is). Off by default: CRIU restores credentials and mounts from the image files as root, so an
         * unauthenticated image cannot be contained by checking its config; {@code hydra info} reports it.
         */
        @WithDefault("false")
        boolean unsignedRestore();

        /** A file holding exactly 32 bytes: chunks are then stored AES-256-GCM encrypted. */
        Optional<Path> encryptionKey();

        /** Checkpoints taken at once, daemon-wide: many containers due together must not freeze the host. */
        @WithDefault("2")
        int maxConcurrent();

        /** Threads hashing, compressing and uploading one checkpoint. */
        @WithDefault("2")
        int parallelism();

        /**
         * CRIU page images stored page by page, only the pages that changed since the container's previous version
         * on this node; false stores them as content-defined chunks like the other image files (both restore).
         */
        @WithDefault("true")
        boolean pageImages();

        /**
         * The most disk the node's pack cache may use: packs a migration's target pulls ahead of its restore, least
         * recently used evicted first; 0 turns pulling ahead off (a restore then fetches everything at the end).
         */
        @WithDefault("4G")
        io.quarkus.runtime.configuration.MemorySize cacheSize();

        /** Where images are staged between CRIU and the repository. */
        Optional<Path> workDir();

        /** The deadline of one dump or one restore; past it runc and CRIU are killed and the container thawed. */
        @WithDefault("10m")
        Duration timeout();
    }

    interface Tls {
        Optional<Path> cert();

        Optional<Path> key();

        /** The CA that client certificates must chain to. */
        Optional<Path> ca();
    }

    interface Runtime {
        /** The OCI runtime binary (runc; crun cannot run containers on hybrid cgroup hosts). */
        @WithDefault("/usr/sbin/runc")
        Path path();

        /** The deadline of one runtime call (start, kill, pause, state, ...); past it the call is killed. */
        @WithDefault("60s")
        Duration timeout();
    }

    /** The size a container's log may reach before its monitor truncates it ({@code hydra.log.max-size}; 0: none). */
    @io.smallrye.config.WithName("log.max-size")
    @WithDefault("64M")
    io.quarkus.runtime.configuration.MemorySize logMaxSize();

    enum OrphanPolicy {
        /** Take the container down and start it again under a new monitor. */
        restart,
        /** Keep it running, status {@code orphaned}, still stoppable by signal. */
        keep
    }
}
