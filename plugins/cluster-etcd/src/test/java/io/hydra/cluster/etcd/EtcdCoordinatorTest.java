package io.hydra.cluster.etcd;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.testing.CoordinatorContract;
import io.hydra.spi.cluster.testing.EtcdServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The coordinator contract on a real etcd; each test on a prefix of its own. */
class EtcdCoordinatorTest extends CoordinatorContract {
    private static EtcdServer etcd;
    private String prefix;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @BeforeEach
    void newPrefix() {
        prefix = EtcdTesting.freshPrefix();
    }

    @Override
    protected Coordinator newCoordinator(Path stateDir) {
        return EtcdTesting.coordinator(EtcdTesting.settings(etcd, prefix), stateDir);
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void loseNode(Coordinator coordinator, Membership membership) {
        coordinator.close();
        EtcdTesting.killKeeper(EtcdTesting.keeper(membership));
    }
}
