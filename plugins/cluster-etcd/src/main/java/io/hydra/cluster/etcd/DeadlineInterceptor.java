package io.hydra.cluster.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.concurrent.TimeUnit;

/**
 * Gives every unary etcd call a gRPC deadline. Without one, jetcd holds a call while the channel reconnects and
 * sends it when etcd is back: a write the caller was told had failed (UNREACHABLE) was then applied minutes later
 * (seen in EtcdOutageTest). With the deadline, a call that timed out is never sent afterwards. The election's
 * Campaign call is exempt: it returns only once the candidate is elected, however long that takes.
 */
final class DeadlineInterceptor implements ClientInterceptor {
    private static final String CAMPAIGN = "v3electionpb.Election/Campaign";

    private final Calls calls;

    DeadlineInterceptor(Calls calls) {
        this.calls = calls;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (method.getType() == MethodDescriptor.MethodType.UNARY && !CAMPAIGN.equals(method.getFullMethodName())
                && options.getDeadline() == null) {
            return next.newCall(method, options.withDeadlineAfter(calls.deadline(method.getFullMethodName()).toNanos(), TimeUnit.NANOSECONDS));
        }
        return next.newCall(method, options);
    }
}
