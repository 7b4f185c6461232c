package io.virtnet.runtime.mqtt;

import io.vertx.core.Handler;
import io.virtnet.protocol.Codec;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.runtime.metrics.Rejections;
import java.util.Objects;

/**
 * The decode/catch/reject step of every subscriber, once: decodes a message with a protocol
 * {@link Codec} (once per message for all subscribers using the same codec instance, see
 * {@link InboundMessage#decoded(Codec)}), and hands the handler only valid input as a
 * {@link Received}. A payload the codec refuses, or an {@link InvalidMessageException} the handler
 * throws for a rule of its own (a holder that differs from its topic, say), is counted in
 * {@code vnet_rejected_messages_total{reason}} and logged with topic and reason by
 * {@link Rejections}; it never stops the subscription.
 */
public final class TypedSubscriber<T> implements Handler<InboundMessage> {
  private final Codec<T> codec;
  private final Rejections rejections;
  private final Handler<Received<T>> handler;

  private TypedSubscriber(Codec<T> codec, Rejections rejections, Handler<Received<T>> handler) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.rejections = Objects.requireNonNull(rejections, "rejections");
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /** A subscriber handing {@code handler} what {@code codec} accepts and counting what it refuses. */
  public static <T> TypedSubscriber<T> of(Codec<T> codec, Rejections rejections, Handler<Received<T>> handler) {
    return new TypedSubscriber<>(codec, rejections, handler);
  }

  @Override
  public void handle(InboundMessage m) {
    T value;
    try {
      value = m.decoded(codec);
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
      return;
    }
    try {
      handler.handle(new Received<>(m.topic(), value, m.retained()));
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
    }
  }
}
