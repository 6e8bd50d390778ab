package io.hydra.runtime.image.layer;

/** A tar entry that must not be unpacked; the unpacker adds the image, layer and entry to the message. */
final class BadEntryException extends Exception {
    BadEntryException(String reason) {
        super(reason);
    }
}
