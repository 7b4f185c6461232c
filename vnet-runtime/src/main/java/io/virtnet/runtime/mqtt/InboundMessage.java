package io.virtnet.runtime.mqtt;

import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.Codec;
import io.virtnet.protocol.InvalidMessageException;
import java.util.Objects;
import java.util.function.Function;

/**
 * A message received on a subscription. {@code retained} is true only for messages the broker sent
 * because of a (re)subscription, i.e. stored state rather than a live change.
 *
 * <p>One message is handed to every subscriber of its topic, often on different event loops (ten
 * backend instances watching one PHY receive the same event). {@link #decoded} lets them share one
 * decode of it instead of parsing the same JSON ten times.
 */
public final class InboundMessage {
  private final String topic;
  private final Buffer payload;
  private final boolean retained;
  /** The payload's bytes, copied once for all the subscribers that decode it. */
  private volatile byte[] bytes;
  /** The last decode: written once per decoder, read from any thread (a race only decodes twice). */
  private volatile Decoded decoded;

  private record Decoded(Object decoder, Object value, InvalidMessageException error) {}

  public InboundMessage(String topic, Buffer payload, boolean retained) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.payload = Objects.requireNonNull(payload, "payload");
    this.retained = retained;
  }

  public String topic() {
    return topic;
  }

  public Buffer payload() {
    return payload;
  }

  /** The payload as bytes, the input of every protocol codec; shared, so don't modify it. */
  public byte[] bytes() {
    byte[] b = bytes;
    if (b == null) {
      b = payload.getBytes();
      bytes = b;
    }
    return b;
  }

  public boolean retained() {
    return retained;
  }

  /**
   * The payload decoded by {@code codec}, decoding it only if no other subscriber did so with the
   * same codec (the shared instances of {@link io.virtnet.protocol.Codecs}). A rejection is shared
   * too and thrown to every caller.
   */
  public <T> T decoded(Codec<T> codec) {
    return decodedBy(codec, codec::decode);
  }

  /**
   * The payload decoded by {@code decoder}, decoding it only if no other subscriber did so with the
   * same decoder (the same instance: pass a constant). The result must be immutable, as it is shared
   * across event loops; a rejection is shared too and thrown to every caller.
   */
  public <T> T decoded(Function<byte[], T> decoder) {
    return decodedBy(decoder, decoder);
  }

  @SuppressWarnings("unchecked")
  private <T> T decodedBy(Object key, Function<byte[], T> decoder) {
    Decoded d = decoded;
    if (d == null || d.decoder != key) {
      try {
        d = new Decoded(key, decoder.apply(bytes()), null);
      } catch (InvalidMessageException e) {
        d = new Decoded(key, null, e);
      }
      decoded = d;
    }
    if (d.error != null) {
      throw d.error;
    }
    return (T) d.value;
  }

  @Override
  public String toString() {
    return "InboundMessage[topic=" + topic + ", " + payload.length() + " bytes, retained=" + retained + "]";
  }
}
