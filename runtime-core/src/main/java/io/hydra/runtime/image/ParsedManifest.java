package io.hydra.runtime.image;

import java.util.List;

/** A manifest document as read from a registry or a layout: an index of platform manifests, or one image. */
public sealed interface ParsedManifest {
    /** A manifest list or OCI index. */
    record Index(List<Entry> manifests) implements ParsedManifest {
        public Index {
            manifests = List.copyOf(manifests);
        }
    }

    record Entry(String digest, String mediaType, long size, String os, String architecture, String variant) {
    }

    /** An image manifest (Docker v2 schema 2 or OCI). */
    record Image(String mediaType, Descriptor config, List<Descriptor> layers) implements ParsedManifest {
        public Image {
            layers = List.copyOf(layers);
        }
    }

    record Descriptor(String mediaType, String digest, long size) {
    }
}
