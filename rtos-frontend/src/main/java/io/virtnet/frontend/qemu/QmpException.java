package io.virtnet.frontend.qemu;

import io.virtnet.frontend.nic.NicLinkException;

/**
 * Why a QMP command did not get a {@code {"return":…}}: QEMU's own error reply (with its error
 * class), no reply in time, the connection closed while waiting, or no connection at all.
 */
public final class QmpException extends NicLinkException {
  private final String errorClass;

  public QmpException(Reason reason, String errorClass, String message) {
    super(reason, message);
    this.errorClass = errorClass;
  }

  /** QEMU's error class (e.g. "GenericError", "DeviceNotFound") for ERROR_REPLY, else null. */
  public String errorClass() {
    return errorClass;
  }
}
