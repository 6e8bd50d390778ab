package io.hydra.runtime.api;

import java.util.List;
import java.util.concurrent.ExecutorService;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.Event;
import io.hydra.api.v1.EventsGrpc;
import io.hydra.api.v1.EventsRequest;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.state.StateStore;

/** Streams the outbox: past events from a sequence number, then new ones as they commit. */
public final class EventsApi extends EventsGrpc.EventsImplBase {
    private final StateStore store;
    private final ContainerService containers;
    private final StreamPoller poller = StreamPoller.shared();

    /** @param streams unused: event streams are driven by the shared {@link StreamPoller}, not a thread each */
    public EventsApi(StateStore store, ContainerService containers, ExecutorService streams) {
        this.store = store;
        this.containers = containers;
    }

    @Override
    public void stream(EventsRequest req, StreamObserver<Event> observer) {
        String subject;
        try {
            subject = req.getContainer().isEmpty() ? "" : containers.find(req.getContainer()).id();
        } catch (HydraException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        ServerCallStreamObserver<Event> call = (ServerCallStreamObserver<Event>) observer;
        poller.start(call, new EventStream(call, req, subject));
    }

    /** The outbox from a cursor, read a page at a time while the client can take more. */
    private final class EventStream implements StreamPoller.Pump {
        private static final int PAGE = 200;
        private final ServerCallStreamObserver<Event> call;
        private final EventsRequest req;
        private final String subject;
        private long cursor;

        EventStream(ServerCallStreamObserver<Event> call, EventsRequest req, String subject) {
            this.call = call;
            this.req = req;
            this.subject = subject;
            this.cursor = req.getAfterSequence();
        }

        @Override
        public StreamPoller.Next pump() {
            for (int pages = 0; pages < 5; pages++) {
                if (!call.isReady()) {
                    return StreamPoller.Next.BLOCKED;
                }
                if (req.getFollow() && store.lastSequence() <= cursor) {
                    return StreamPoller.Next.IDLE; // nothing new: an idle follower costs no query
                }
                List<HydraEvent> batch = store.eventsAfter(cursor, PAGE);
                for (HydraEvent e : batch) {
                    cursor = e.sequence();
                    if (matches(e, req.getTypesList(), subject)) {
                        Event event = Protos.event(e);
                        call.onNext(event);
                        poller.countSent(event.getSerializedSize());
                    }
                }
                if (batch.size() < PAGE) {
                    if (req.getFollow()) {
                        return StreamPoller.Next.IDLE;
                    }
                    call.onCompleted();
                    return StreamPoller.Next.DONE;
                }
            }
            return StreamPoller.Next.MORE;
        }

        @Override
        public void close() {
            // nothing held between pages
        }
    }

    private static boolean matches(HydraEvent e, List<String> types, String subject) {
        if (!subject.isEmpty() && !subject.equals(e.subject())) {
            return false;
        }
        if (types.isEmpty()) {
            return true;
        }
        for (String t : types) {
            if (e.type().equals(t) || e.type().equals("io.hydra." + t) || t.endsWith(".") && e.type().startsWith(t)) {
                return true;
            }
        }
        return false;
    }
}
