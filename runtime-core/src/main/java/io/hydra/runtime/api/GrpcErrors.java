package io.hydra.runtime.api;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.CommandNotRunnableException;
import org.jboss.logging.Logger;

/** Runs a call and turns its failure into a gRPC status whose description is the user-facing message. */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    /**
     * A trailer naming the exit code the CLI should end with, when a refusal has a conventional one (126, 127);
     * the CLI reads the same key (cli's Hydra.EXIT_CODE_TRAILER).
     */
    static final Metadata.Key<String> EXIT_CODE = Metadata.Key.of("hydra-exit-code", Metadata.ASCII_STRING_MARSHALLER);

    interface Call<T> {
        T get() throws Exception;
    }

    private GrpcErrors() {
    }

    static <T> void unary(StreamObserver<T> observer, Call<T> call) {
        T result;
        try {
            result = call.get();
        } catch (Exception e) {
            observer.onError(toStatus(e));
            return;
        }
        observer.onNext(result);
        observer.onCompleted();
    }

    static StatusRuntimeException toStatus(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof HydraException h) {
            Status status = switch (h.kind()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case CONFLICT -> Status.FAILED_PRECONDITION;
                case FAILED -> Status.ABORTED;
            };
            if (h instanceof CommandNotRunnableException c) {
                Metadata trailers = new Metadata();
                trailers.put(EXIT_CODE, Integer.toString(c.exitCode()));
                return status.withDescription(h.getMessage()).asRuntimeException(trailers);
            }
            return status.withDescription(h.getMessage()).asRuntimeException();
        }
        LOG.error("request failed", e);
        return Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).withCause(e).asRuntimeException();
    }
}
