package io.hydra.spi.scheduler.testing;

import static io.hydra.spi.scheduler.testing.SyntheticNode.GIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.MIB;
import static io.hydra.spi.scheduler.testing.SyntheticNode.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.scheduler.NodeView;
import io.hydra.spi.scheduler.Placement;
import io.hydra.spi.scheduler.PlacementRequest;
import io.hydra.spi.scheduler.Scheduler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Scheduler} must do, whatever its strategy. Published in the SPI's test-jar; every scheduler
 * module runs it. In each filter test the node that must be refused has the lowest id and is otherwise the same as
 * the one that must be chosen (or better for any strategy), so only the filter can keep the container off it.
 */
public abstract class SchedulerContract {
    private static final SyntheticRequest ANY = SyntheticRequest.of("c1");

    /** A fresh scheduler. */
    protected abstract Scheduler scheduler();

    private Placement place(SyntheticRequest request, SyntheticNode... nodes) {
        List<NodeView> views = new ArrayList<>();
        for (SyntheticNode node : nodes) {
            views.add(node.view());
        }
        return scheduler().place(request.request(), views);
    }

    private static void assertOn(String nodeId, Placement placement) {
        assertEquals(Optional.of(nodeId), placement.nodeId(), () -> "placement: " + placement);
    }

    private static void assertNone(String reason, Placement placement) {
        assertEquals(Optional.empty(), placement.nodeId(), () -> "placement: " + placement);
        assertEquals(reason, placement.reason());
    }

    @Test
    void registersUnderItsNameAsASchedulerPlugin(@TempDir Path state) {
        Scheduler scheduler = scheduler();
        List<PluginFactory<?>> mine = ServiceLoader.load(PluginFactory.class).stream()
                .<PluginFactory<?>>map(ServiceLoader.Provider::get)
                .filter(factory -> factory.type() == Scheduler.class && factory.name().equals(scheduler.name()))
                .toList();
        assertEquals(1, mine.size(), "one scheduler factory named " + scheduler.name());
        assertEquals(java.util.Set.of(), mine.get(0).settingKeys(), "a scheduler takes no settings");
        Object created = mine.get(0).create(new PluginContext("n1", state, Map.of()));
        assertSame(scheduler.getClass(), created.getClass());
    }

    @Test
    void noNodesMeansNoLiveNode() {
        assertNone("no live node", scheduler().place(ANY.request(), List.of()));
    }

    @Test
    void identicalNodesGoToTheLowestIdWhateverTheirOrder() {
        List<NodeView> nodes = new ArrayList<>();
        for (String id : List.of("n3", "n1", "n4", "n2", "n10")) {
            nodes.add(named(id).view());
        }
        Random shuffler = new Random(7);
        for (int round = 0; round < 20; round++) {
            Collections.shuffle(nodes, shuffler);
            assertOn("n1", scheduler().place(ANY.request(), nodes));
        }
    }

    @Test
    void sameInputSameAnswer() {
        List<NodeView> nodes = List.of(named("a").containers(3).freeMemory(4 * GIB).view(),
                named("b").containers(1).freeMemory(9 * GIB).view(), named("c").containers(2).view());
        PlacementRequest request = SyntheticRequest.of("c1").memory(GIB).request();
        Placement first = scheduler().place(request, nodes);
        for (int round = 0; round < 10; round++) {
            assertEquals(first, scheduler().place(request, nodes));
        }
    }

    @Test
    void labelsFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").constraint("zone", "eu").constraint("disk", "ssd");
        assertOn("b", place(request, named("a").label("zone", "us").label("disk", "ssd"),
                named("b").label("zone", "eu").label("disk", "ssd").label("extra", "x")));
        assertNone("no node fits: a: needs label disk=ssd; b: needs label zone=eu (has zone=us)",
                place(request, named("a").label("zone", "eu"), named("b").label("zone", "us").label("disk", "ssd")));
    }

    @Test
    void architectureFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").arch("aarch64");
        assertOn("b", place(request, named("a").arch("amd64"), named("b").arch("aarch64")));
        assertNone("no node fits: a: is amd64, needs aarch64", place(request, named("a")));
        assertOn("a", place(SyntheticRequest.of("c1"), named("a").arch("amd64"), named("b").arch("aarch64")));
    }

    @Test
    void criuVersionFilterComparesNumbersNotText() {
        SyntheticRequest request = SyntheticRequest.of("c1").criu("4.10");
        assertOn("c", place(request, named("a").criu("4.9"), named("b").criu(""), named("c").criu("4.10.1")));
        assertNone("no node fits: a: has CRIU 4.9, needs 4.10 or newer; b: has no CRIU, needs 4.10 or newer",
                place(request, named("a").criu("4.9"), named("b").criu("")));
        assertOn("a", place(SyntheticRequest.of("c1").criu("3.17"), named("a").criu("3.17.0"), named("b")));
        assertOn("a", place(SyntheticRequest.of("c1"), named("a").criu(""), named("b")));
    }

    @Test
    void unreadableCriuVersionsAreRefusedNotGuessed() {
        assertNone("no node fits: a: has an unreadable CRIU version 'git-abc'",
                place(SyntheticRequest.of("c1").criu("4.0"), named("a").criu("git-abc")));
        assertNone("no node fits: a: cannot compare with the checkpoint's unreadable CRIU version 'v4'",
                place(SyntheticRequest.of("c1").criu("v4"), named("a")));
    }

    @Test
    void avoidNodeFilter() {
        assertOn("b", place(SyntheticRequest.of("c1").avoiding("a"), named("a"), named("b")));
        assertNone("no node fits: a: the node to avoid", place(SyntheticRequest.of("c1").avoiding("a"), named("a")));
    }

    @Test
    void rootfsFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").rootfs("/srv/root", "c");
        assertOn("c", place(request, named("a"), named("b"), named("c")));
        assertNone("no node fits: a: has no /srv/root", place(request, named("a")));
        assertNone("no node fits: a: has no /srv/root",
                place(SyntheticRequest.of("c1").rootfs("/srv/root"), named("a")));
    }

    @Test
    void memoryFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").memory(GIB);
        assertOn("b", place(request, named("a").freeMemory(256 * MIB), named("b").freeMemory(GIB)));
        assertNone("no node fits: a: 256 MiB free, 1 GiB needed; b: 1023 MiB free, 1 GiB needed",
                place(request, named("a").freeMemory(256 * MIB), named("b").freeMemory(GIB - MIB)));
    }

    @Test
    void cpuFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").cpuMillis(1500);
        assertOn("b", place(request, named("a").cpu(8000, 500), named("b").cpu(8000, 1500)));
        assertNone("no node fits: a: 0.5 CPUs free, 1.5 CPUs needed", place(request, named("a").cpu(8000, 500)));
    }

    @Test
    void aContainerWithoutLimitsFitsAFullNode() {
        assertOn("a", place(SyntheticRequest.of("c1"), named("a").memory(GIB, 0).cpu(1000, 0)));
    }

    @Test
    void reasonNamesEachNodeByIdWithItsFirstFailedFilter() {
        SyntheticRequest request = SyntheticRequest.of("c1").memory(GIB).constraint("zone", "eu");
        assertNone("no node fits: b: needs label zone=eu; c: 256 MiB free, 1 GiB needed",
                place(request, named("c").label("zone", "eu").freeMemory(256 * MIB),
                        named("b").freeMemory(128 * MIB)));
    }

    @Test
    void filtersApplyInTheirOrderAndOnlyTheFirstFailureIsReported() {
        SyntheticRequest request = SyntheticRequest.of("c1").avoiding("a").rootfs("/r", "a", "c", "d", "e", "f")
                .arch("amd64").criu("4.0").constraint("zone", "eu").memory(GIB);
        SyntheticNode everythingWrong = named("a").arch("riscv64").criu("").freeMemory(0);
        assertNone("no node fits: a: the node to avoid; b: has no /r; c: is riscv64, needs amd64;"
                        + " d: has no CRIU, needs 4.0 or newer; e: needs label zone=eu; f: 0 B free, 1 GiB needed",
                place(request, everythingWrong, named("b").arch("riscv64"), named("c").arch("riscv64").criu(""),
                        named("d").criu("").freeMemory(0), named("e").freeMemory(0),
                        named("f").label("zone", "eu").freeMemory(0)));
    }

    @Test
    void localityTipsIdenticalNodesTowardsTheCachedImage() {
        SyntheticRequest request = SyntheticRequest.of("c1").image("sha256:aa");
        assertOn("b", place(request, named("a").caching("sha256:bb"), named("b").caching("sha256:aa")));
        assertOn("a", place(SyntheticRequest.of("c1"), named("a"), named("b").caching("sha256:aa")));
    }

    @Test
    void filteredNodesAreNeverChosenEvenWhenCached() {
        SyntheticRequest request = SyntheticRequest.of("c1").image("sha256:aa").constraint("zone", "eu");
        assertOn("b", place(request, named("a").caching("sha256:aa"), named("b").label("zone", "eu")));
    }
}
