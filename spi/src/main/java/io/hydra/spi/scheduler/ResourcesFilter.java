package io.hydra.spi.scheduler;

/**
 * The container's memory and CPU limits must fit in what the node has not yet promised; a container without a
 * limit needs nothing here.
 */
public final class ResourcesFilter implements NodeFilter {
    @Override
    public String name() {
        return "resources";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        if (request.memoryBytes() > node.freeMemoryBytes()) {
            return FilterResult.fail(Quantities.bytes(Math.max(0, node.freeMemoryBytes())) + " free, "
                    + Quantities.bytes(request.memoryBytes()) + " needed");
        }
        if (request.cpuMillis() > node.freeCpuMillis()) {
            return FilterResult.fail(Quantities.cpus(Math.max(0, node.freeCpuMillis())) + " free, "
                    + Quantities.cpus(request.cpuMillis()) + " needed");
        }
        return FilterResult.pass();
    }
}
