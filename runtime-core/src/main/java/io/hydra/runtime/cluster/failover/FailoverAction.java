package io.hydra.runtime.cluster.failover;

import java.time.Instant;

import io.hydra.runtime.cluster.Ownerships;

/** What the controller is to do with one ownership record, decided from one consistent read. */
public sealed interface FailoverAction {
    /** The record as read: the compare-and-set names its version, so a record changed since is left alone. */
    Ownerships.Versioned current();

    /** Bind the container to {@code target}, which restores it ({@code OwnershipRecord#movedTo}). */
    record Move(Ownerships.Versioned current, String target, Instant lostAt) implements FailoverAction {
    }

    /** Record that it runs nowhere, and why ({@code OwnershipRecord#lost}). */
    record Lose(Ownerships.Versioned current, String reason, Instant lostAt) implements FailoverAction {
    }
}
