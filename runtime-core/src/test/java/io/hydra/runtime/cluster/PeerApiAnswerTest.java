package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.ProbeRequest;
import io.hydra.api.v1.ProbeResponse;

/** What a node answers: "reachable" without a call when its lease was just confirmed, "unreachable" only if asked. */
class PeerApiAnswerTest {
    private static ProbeResponse ask(PeerApi api) {
        List<ProbeResponse> got = new ArrayList<>();
        api.probe(ProbeRequest.newBuilder().setFromNode("a").build(), new StreamObserver<>() {
            @Override
            public void onNext(ProbeResponse value) {
                got.add(value);
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        assertEquals(1, got.size());
        return got.get(0);
    }

    @Test
    void aJustConfirmedLeaseAnswersYesWithoutAskingTheCoordinator() {
        AtomicInteger asked = new AtomicInteger();
        ProbeResponse r = ask(new PeerApi("b", t -> {
            asked.incrementAndGet();
            return false;
        }, () -> true));
        assertTrue(r.getCoordinatorReachable());
        assertEquals(0, asked.get());
    }

    @Test
    void noIsOnlyEverTheCoordinatorsOwnAnswerNow() {
        AtomicInteger asked = new AtomicInteger();
        ProbeResponse r = ask(new PeerApi("b", t -> {
            asked.incrementAndGet();
            assertTrue(t.toMillis() < Fencing.PROBE_DEADLINE.toMillis());
            return false;
        }, () -> false));
        assertFalse(r.getCoordinatorReachable());
        assertEquals(1, asked.get());
        assertTrue(ask(new PeerApi("b", t -> true, () -> false)).getCoordinatorReachable());
    }
}
