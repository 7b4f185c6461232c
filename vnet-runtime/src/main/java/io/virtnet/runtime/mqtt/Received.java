package io.virtnet.runtime.mqtt;

import java.util.Objects;

/**
 * A message of a typed subscription, decoded and valid: its {@code topic}, the decoded {@code value}
 * (shared with the other subscribers of the same message, so immutable) and whether the broker sent it
 * as stored (retained) state rather than a live change.
 */
public record Received<T>(String topic, T value, boolean retained) {
  public Received {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(value, "value");
  }
}
