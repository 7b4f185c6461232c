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
 * {@link Rejections}; it never stops the subscription. A subscriber that takes a second look at input
 * another subscription already counted hands its refusals to a {@link Refusals} of its own instead.
 */
public final class TypedSubscriber<T> implements Handler<InboundMessage> {
  private final Codec<T> codec;
  private final Refusals refusals;
  private final Handler<Received<T>> handler;
  /** Where an empty payload goes on topics where it is a contract message; null: the codec refuses it. */
  private final Handler<Gone> gone;

  /** An empty payload on a retained topic where the contract gives it a meaning (no such device, unplugged, put). */
  public record Gone(String topic, boolean retained) {}

  /** Where refused input goes: {@link Rejections#reject(String, InvalidMessageException)} counts and logs it. */
  @FunctionalInterface
  public interface Refusals {
    /**
     * Drops refused input without a count or a log line: for a subscription that re-reads a topic
     * another subscription of the service already watches (and counted the same input on).
     */
    Refusals UNCOUNTED = (topic, e) -> { };

    void refused(String topic, InvalidMessageException e);
  }

  private TypedSubscriber(Codec<T> codec, Refusals refusals, Handler<Received<T>> handler, Handler<Gone> gone) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.gone = gone;
  }

  /** A subscriber handing {@code handler} what {@code codec} accepts and counting what it refuses. */
  public static <T> TypedSubscriber<T> of(Codec<T> codec, Rejections rejections, Handler<Received<T>> handler) {
    return new TypedSubscriber<>(codec, counted(rejections), handler, null);
  }

  /**
   * As {@link #of}, for a retained topic whose empty payload is a contract message ({@code state},
   * {@code device}, {@code ref}, {@code config}): that goes to {@code gone} instead of being refused.
   * Subscribe it with {@link MqttSession#subscribe(String, Handler)}.
   */
  public static <T> TypedSubscriber<T> orGone(Codec<T> codec, Rejections rejections, Handler<Received<T>> handler,
      Handler<Gone> gone) {
    return orGone(codec, counted(rejections), handler, gone);
  }

  /** As {@link #orGone(Codec, Rejections, Handler, Handler)}, handing what it refuses to {@code refusals}. */
  public static <T> TypedSubscriber<T> orGone(Codec<T> codec, Refusals refusals, Handler<Received<T>> handler,
      Handler<Gone> gone) {
    return new TypedSubscriber<>(codec, refusals, handler, Objects.requireNonNull(gone, "gone"));
  }

  private static Refusals counted(Rejections rejections) {
    return Objects.requireNonNull(rejections, "rejections")::reject;
  }

  @Override
  public void handle(InboundMessage m) {
    if (gone != null && m.payload().length() == 0) {
      try {
        gone.handle(new Gone(m.topic(), m.retained()));
      } catch (InvalidMessageException e) {
        refusals.refused(m.topic(), e);
      }
      return;
    }
    T value;
    try {
      value = m.decoded(codec);
    } catch (InvalidMessageException e) {
      refusals.refused(m.topic(), e);
      return;
    }
    try {
      handler.handle(new Received<>(m.topic(), value, m.retained()));
    } catch (InvalidMessageException e) {
      refusals.refused(m.topic(), e);
    }
  }
}
