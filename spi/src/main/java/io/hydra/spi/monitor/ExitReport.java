package io.hydra.spi.monitor;

/**
 * How a supervised container ended, as its monitor recorded it.
 *
 * @param code      the exit status; null when the monitor recorded an exit it could not read
 * @param signal    the signal that killed it (e.g. {@code SIGKILL}), or null
 * @param oomKilled the monitor saw the kernel's OOM killer end it
 */
public record ExitReport(Integer code, String signal, boolean oomKilled) {
}
