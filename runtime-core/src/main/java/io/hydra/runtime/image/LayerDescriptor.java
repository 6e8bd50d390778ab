package io.hydra.runtime.image;

/**
 * One layer of an image, bottom-most first in {@link StoredImage#layers()}.
 *
 * @param digest    the digest of the blob as stored (compressed), {@code sha256:<hex>}: its name in the blob store
 * @param mediaType OCI or Docker layer media type; says the compression (gzip, zstd, none)
 * @param size      the blob's size in bytes
 * @param diffId    the digest of the uncompressed tar, from the image config's {@code rootfs.diff_ids}: checked
 *                  while unpacking
 */
public record LayerDescriptor(String digest, String mediaType, long size, String diffId) {
}
