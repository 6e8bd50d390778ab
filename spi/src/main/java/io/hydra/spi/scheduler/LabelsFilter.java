package io.hydra.spi.scheduler;

import java.util.Map;
import java.util.TreeMap;

/** Every constraint K=V of the request must be a label of the node; the first missing one (by key) is named. */
public final class LabelsFilter implements NodeFilter {
    @Override
    public String name() {
        return "labels";
    }

    @Override
    public FilterResult test(PlacementRequest request, NodeView node) {
        for (Map.Entry<String, String> constraint : new TreeMap<>(request.constraints()).entrySet()) {
            String key = constraint.getKey();
            String has = node.labels().get(key);
            if (!constraint.getValue().equals(has)) {
                String needs = "needs label " + key + "=" + constraint.getValue();
                return FilterResult.fail(has == null ? needs : needs + " (has " + key + "=" + has + ")");
            }
        }
        return FilterResult.pass();
    }
}
