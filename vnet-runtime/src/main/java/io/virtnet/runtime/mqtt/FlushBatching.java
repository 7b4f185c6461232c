package io.virtnet.runtime.mqtt;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.mqtt.MqttClient;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches a connection's flushes with Netty's {@link FlushConsolidationHandler}. vertx-mqtt writes and
 * flushes every PUBLISH; our publishes come from tasks outside the connection's read (an instance
 * verticle reacting to an event), so each one cost a {@code write(2)} of its own, about half the
 * system CPU of a storm. Consolidated, the publishes of one event-loop turn leave in one write.
 *
 * <p>vertx-mqtt does not expose its socket, so the handler is added through the client's private
 * {@code connection} field; if a later vertx-mqtt renames it, the session works as before, unbatched.
 */
final class FlushBatching {
  private static final Logger LOG = LoggerFactory.getLogger(FlushBatching.class);
  private static final String NAME = "virtnet-flush-batching";
  private static volatile boolean warned;

  private FlushBatching() {}

  /** Installs the handler on {@code client}'s connection; false when that is not possible. */
  static boolean install(MqttClient client) {
    try {
      Field f = client.getClass().getDeclaredField("connection");
      f.setAccessible(true);
      ChannelPipeline pipeline = ((NetSocketInternal) f.get(client)).channelHandlerContext().pipeline();
      if (pipeline.get(NAME) == null) {
        // consolidate outside reads too: flush once the event loop has run the tasks already queued
        pipeline.addFirst(NAME, new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (!warned) {
        warned = true;
        LOG.info("MQTT flush batching unavailable ({}); publishing unbatched", e.toString());
      }
      return false;
    }
  }
}
