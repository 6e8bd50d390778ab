package io.hydra.cli.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import io.hydra.api.v1.Container;
import io.hydra.cli.Json;

/**
 * A container as {@code ps --format json} and {@code inspect} print it: {@link Json#container} and the cluster's
 * fields, {@code protected} (it has a checkpoint policy and fails over) and {@code constraints} (the labels its
 * target node must have), placed after {@code node} where DESIGN.md lists them.
 */
public final class ContainerJson {
    private ContainerJson() {
    }

    public static Map<String, Object> of(Container container, boolean full) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Object> field : Json.container(container, full).entrySet()) {
            fields.put(field.getKey(), field.getValue());
            if (field.getKey().equals("node")) {
                fields.put("protected", container.getProtected());
                fields.put("constraints", new TreeMap<>(container.getConstraintsMap()));
            }
        }
        return fields;
    }
}
