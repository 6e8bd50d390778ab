package io.hydra.runtime.image.store;

import java.time.Instant;

/**
 * A reference's entry in the store: which manifest a normalized reference names, since when.
 *
 * @param authentic false when the store holds it unsigned or with a MAC that does not verify
 */
public record RefRecord(String ref, String manifestDigest, Instant createdAt, boolean authentic) {
}
