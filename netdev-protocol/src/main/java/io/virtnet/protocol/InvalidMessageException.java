package io.virtnet.protocol;

/**
 * A payload, name or request that breaks the contract. {@link #reason()} is a short, stable label for
 * the {@code vnet_rejected_messages_total{reason=…}} counter; the message says what is wrong.
 */
public final class InvalidMessageException extends RuntimeException {
  private final String reason;

  public InvalidMessageException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  public static InvalidMessageException of(String reason, String message) {
    return new InvalidMessageException(reason, message);
  }
}
