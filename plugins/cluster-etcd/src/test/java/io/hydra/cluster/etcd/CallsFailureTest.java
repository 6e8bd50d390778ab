package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.channels.ClosedChannelException;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.hydra.spi.cluster.CoordinatorException.Kind;

/**
 * How a failed call is classified. The transport cases cannot be produced on demand against a real etcd (which of
 * them a killed etcd yields depends on where the call was), so these are the statuses grpc-java builds for them.
 */
class CallsFailureTest {
    @Test
    void aCallCutByTheConnectionClosingIsUnreachableEvenWhenGrpcCallsItUnknown() {
        Throwable cut = Status.UNKNOWN.withDescription("channel closed").withCause(new ClosedChannelException())
                .asRuntimeException();
        assertEquals(Kind.UNREACHABLE, Calls.failure("read owners/x", cut).kind());
    }

    @Test
    void unavailableIsUnreachableAndARefusalIsAFailure() {
        assertEquals(Kind.UNREACHABLE, Calls.failure("read", Status.UNAVAILABLE.asRuntimeException()).kind());
        assertEquals(Kind.FAILED, Calls.failure("read", Status.INVALID_ARGUMENT.withDescription("bad key")
                .asRuntimeException()).kind());
        assertEquals(Kind.FAILED, Calls.failure("read", Status.UNKNOWN.withDescription("etcd said no")
                .asRuntimeException()).kind());
    }
}
