package io.hydra.spi.scheduler;

import java.util.List;

/**
 * The filters every scheduler applies, in the order they are tried: the first one a node fails is the reason given
 * for it. Cheap identity checks come first, capacity last, so a node that could never take the container is not
 * reported as merely full.
 */
public final class StandardFilters {
    private static final List<NodeFilter> ALL = List.of(
            new AvoidNodeFilter(),
            new RootfsFilter(),
            new ArchitectureFilter(),
            new CriuVersionFilter(),
            new LabelsFilter(),
            new ResourcesFilter());

    private StandardFilters() {
    }

    public static List<NodeFilter> all() {
        return ALL;
    }
}
