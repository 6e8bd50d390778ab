package io.hydra.cli.containers;

import java.io.ByteArrayOutputStream;

/** Finds docker's detach sequence, ctrl-p ctrl-q, in what the user types, across reads. */
final class DetachKeys {
    static final byte CTRL_P = 0x10;
    static final byte CTRL_Q = 0x11;

    private boolean heldCtrlP;
    private boolean detached;

    /**
     * The bytes to pass on from {@code buffer[0..n)}: everything before the sequence; a ctrl-p at the end is held
     * back until the next read shows whether a ctrl-q follows.
     */
    byte[] filter(byte[] buffer, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 1);
        for (int i = 0; i < n && !detached; i++) {
            byte b = buffer[i];
            if (heldCtrlP) {
                heldCtrlP = false;
                if (b == CTRL_Q) {
                    detached = true;
                    break;
                }
                out.write(CTRL_P);
            }
            if (b == CTRL_P) {
                heldCtrlP = true;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    boolean detached() {
        return detached;
    }
}
