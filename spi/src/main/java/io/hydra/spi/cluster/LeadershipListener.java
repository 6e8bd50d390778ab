package io.hydra.spi.cluster;

/** Told when this candidate becomes the controller and when it stops being it (on a plugin thread). */
public interface LeadershipListener {
    void elected();

    void revoked();
}
