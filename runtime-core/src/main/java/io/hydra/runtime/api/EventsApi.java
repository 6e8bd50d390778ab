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
    private final ExecutorService streams;

    public EventsApi(StateStore store, ContainerService containers, ExecutorService streams) {
        this.store = store;
        this.containers = containers;
        this.streams = streams;
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
        streams.execute(() -> {
            long cursor = req.getAfterSequence();
            try {
                while (!call.isCancelled()) {
                    List<HydraEvent> batch = store.eventsAfter(cursor, 500);
                    for (HydraEvent e : batch) {
                        cursor = e.sequence();
                        if (matches(e, req.getTypesList(), subject)) {
                            call.onNext(Protos.event(e));
                        }
                    }
                    if (batch.size() == 500) {
                        continue;
                    }
                    if (!req.getFollow()) {
                        break;
                    }
                    store.awaitEventAfter(cursor, 1000);
                }
                if (!call.isCancelled()) {
                    call.onCompleted();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(GrpcErrors.toStatus(e));
                }
            }
        });
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
