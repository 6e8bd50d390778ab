package io.hydra.cluster.etcd;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.testing.EtcdServer;
import io.hydra.spi.monitor.ProcessIdentity;
import io.hydra.spi.plugin.PluginContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Makes coordinators the way the daemon does (through the factory) on a test's etcd and prefix. */
final class EtcdTesting {
    static final String TTL = "2s";

    private EtcdTesting() {
    }

    static String freshPrefix() {
        return "/t-" + UUID.randomUUID() + "/";
    }

    static Map<String, String> settings(EtcdServer etcd, String prefix) {
        Map<String, String> s = new HashMap<>();
        s.put("endpoints", etcd.host() + ":" + etcd.clientPort());
        s.put("ttl", TTL);
        s.put("prefix", prefix);
        return s;
    }

    static Coordinator coordinator(Map<String, String> settings, Path stateDir) {
        return new EtcdCoordinatorFactory().create(new PluginContext("test", stateDir, settings));
    }

    static ProcessIdentity keeper(Membership m) {
        return ((EtcdMembership) m).keeper();
    }

    static long leaseId(Membership m) {
        return ((EtcdMembership) m).leaseId();
    }

    /** Kills a keeper as a crash would: SIGKILL to its shell and its etcdctl. */
    static void killKeeper(ProcessIdentity keeper) {
        ProcessHandle.of(keeper.pid()).ifPresent(shell -> {
            var children = shell.descendants().toList();
            shell.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            shell.onExit().join();
        });
    }
}
