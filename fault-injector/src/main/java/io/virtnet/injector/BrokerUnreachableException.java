package io.virtnet.injector;

/** The broker could not be reached or refused the connection; the message is fit for the user. */
public final class BrokerUnreachableException extends RuntimeException {
  public BrokerUnreachableException(String message) {
    super(message, null, false, false);
  }
}
