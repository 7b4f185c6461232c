package io.virtnet.frontend.qemu;

/**
 * Why a QMP command did not get a {@code {"return":…}}: QEMU's own error reply (with its error
 * class), no reply in time, the connection closed while waiting, or no connection at all.
 */
public final class QmpException extends RuntimeException {
  /** The failure kinds a caller may want to tell apart (e.g. only ERROR_REPLY is QEMU saying no). */
  public enum Reason { ERROR_REPLY, TIMEOUT, CLOSED, NOT_CONNECTED }

  private final Reason reason;
  private final String errorClass;

  public QmpException(Reason reason, String errorClass, String message) {
    super(message, null, false, false);
    this.reason = reason;
    this.errorClass = errorClass;
  }

  public Reason reason() {
    return reason;
  }

  /** QEMU's error class (e.g. "GenericError", "DeviceNotFound") for ERROR_REPLY, else null. */
  public String errorClass() {
    return errorClass;
  }
}
