package io.hydra.cluster.etcd;

import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.CoordinatorException.Kind;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a jetcd call with a deadline. jetcd retries an unreachable etcd on its own for as long as it is let, so
 * the deadline is ours: past it the call is cancelled and the caller told UNREACHABLE, never left hanging.
 */
final class Calls {
    /**
     * The deadline of a service's calls until it has answered once: its first call also sets up the connection or
     * the service's stub (TLS, HTTP/2, and on a loaded machine class loading), which a 1 s deadline was seen to miss
     * against a healthy etcd.
     */
    static final Duration FIRST_CONTACT = Duration.ofSeconds(3);

    /** The etcd gRPC services the plugin calls, by the prefix of their method names. */
    enum Service {
        KV("etcdserverpb.KV/"), LEASE("etcdserverpb.Lease/"), ELECTION("v3electionpb.Election/");

        private final String methodPrefix;

        Service(String methodPrefix) {
            this.methodPrefix = methodPrefix;
        }

        static Optional<Service> of(String fullMethodName) {
            return Arrays.stream(values()).filter(s -> fullMethodName.startsWith(s.methodPrefix)).findFirst();
        }
    }

    private final Duration timeout;
    private final Set<Service> answered = ConcurrentHashMap.newKeySet();

    Calls(Duration timeout) {
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** The deadline of a call to {@code service} now. */
    Duration deadline(Service service) {
        return answered.contains(service) || timeout.compareTo(FIRST_CONTACT) >= 0 ? timeout : FIRST_CONTACT;
    }

    /** The deadline of a call to the gRPC method named so (the timeout for a method of no known service). */
    Duration deadline(String fullMethodName) {
        return Service.of(fullMethodName).map(this::deadline).orElse(timeout);
    }

    <T> T await(Service service, String what, CompletableFuture<T> call) {
        T result = await(what, call, deadline(service));
        answered.add(service);
        return result;
    }

    static <T> T await(String what, CompletableFuture<T> call, Duration deadline) {
        try {
            return call.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new CoordinatorException(Kind.UNREACHABLE,
                    "etcd did not answer " + what + " within " + deadline.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new CoordinatorException(Kind.UNREACHABLE, "interrupted while waiting for etcd to " + what, e);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        }
    }

    static CoordinatorException failure(String what, Throwable cause) {
        Kind kind = unreachable(cause) ? Kind.UNREACHABLE : Kind.FAILED;
        return new CoordinatorException(kind, "etcd could not " + what + ": " + describe(cause), cause);
    }

    /**
     * jetcd reports gRPC failures either as a gRPC status or as its own EtcdException with the same code. A call cut
     * by the connection closing under it can also come back as UNKNOWN ("channel closed") with the transport's
     * IOException as its cause: that too is etcd out of reach, not an answer from it.
     */
    private static boolean unreachable(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ClosedClientException || t instanceof java.io.IOException) {
                return true;
            }
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof EtcdException e) {
                ErrorCode code = e.getErrorCode();
                return code == ErrorCode.UNAVAILABLE || code == ErrorCode.DEADLINE_EXCEEDED
                        || code == ErrorCode.CANCELLED;
            }
        }
        Status.Code code = Status.fromThrowable(cause).getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
