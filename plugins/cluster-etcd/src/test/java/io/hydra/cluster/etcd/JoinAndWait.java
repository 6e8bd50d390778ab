package io.hydra.cluster.etcd;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Membership;
import java.nio.file.Path;
import java.util.Map;

/** A stand-in daemon process for EtcdSigkillTest: joins, says so, and waits to be killed. */
public final class JoinAndWait {
    private JoinAndWait() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = Map.of("endpoints", args[0], "prefix", args[1], "ttl", EtcdTesting.TTL);
        Coordinator c = EtcdTesting.coordinator(settings, Path.of(args[2]));
        Membership m = c.join(args[3], "from-child");
        System.out.println("joined " + Long.toHexString(EtcdTesting.leaseId(m)) + " rejoined=" + m.rejoined());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until SIGKILL: the point of this process
    }
}
