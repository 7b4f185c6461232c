package io.virtnet.runtime.mqtt;

import io.vertx.core.buffer.Buffer;

/**
 * A message received on a subscription. {@code retained} is true only for messages the broker sent
 * because of a (re)subscription, i.e. stored state rather than a live change.
 */
public record InboundMessage(String topic, Buffer payload, boolean retained) {}
