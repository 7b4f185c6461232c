package io.virtnet.frontend.nic;

/**
 * Why a VM NIC was not told a link state or announce: the hypervisor said no, no answer in time,
 * the connection closed while waiting, or there is no connection at all.
 */
public class NicLinkException extends RuntimeException {
  /** The failure kinds a caller may want to tell apart (e.g. only ERROR_REPLY is the hypervisor saying no). */
  public enum Reason { ERROR_REPLY, TIMEOUT, CLOSED, NOT_CONNECTED }

  private final Reason reason;

  public NicLinkException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
