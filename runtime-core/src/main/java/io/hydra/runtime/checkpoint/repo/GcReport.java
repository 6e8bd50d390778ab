package io.hydra.runtime.checkpoint.repo;

import java.util.List;

/**
 * What garbage collection did.
 *
 * @param removedPacks  pack ids deleted
 * @param removedBytes  their total length
 * @param keptPacks     packs still referenced by a committed manifest (wholly or in part)
 * @param youngPacks    unreferenced packs left alone because they are younger than the grace period: another process
 *                      may be uploading them
 */
public record GcReport(List<String> removedPacks, long removedBytes, int keptPacks, int youngPacks) {
    public GcReport {
        removedPacks = List.copyOf(removedPacks);
    }
}
