package io.virtnet.protocol;

/**
 * The wire form of one message kind of the contract: {@code decode} validates a payload completely
 * (size cap, schema version, types, ranges, names) and throws {@link InvalidMessageException} with a
 * stable reason on any breach; {@code encode} writes the exact bytes the contract pins.
 *
 * <p>Codecs are stateless and shared ({@link Codecs}): subscribers of one message that use the same
 * instance can share one decode of it.
 */
public interface Codec<T> {
  /** The message in {@code payload}; throws {@link InvalidMessageException} if it breaks the contract. */
  T decode(byte[] payload);

  /** The payload of {@code message}. */
  byte[] encode(T message);
}
