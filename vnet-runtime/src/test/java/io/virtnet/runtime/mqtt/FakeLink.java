package io.virtnet.runtime.mqtt;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection for the {@link OutboundWindow} without a broker: it records every publish handed to it
 * and leaves the test to report the packet id (or a refusal) and the PUBACK, in any order.
 */
final class FakeLink implements OutboundWindow.Link {
  /** One publish handed to the client. */
  static final class Sent {
    final String topic;
    final String payload;
    final boolean retain;
    final Promise<Integer> packetId = Promise.promise();

    Sent(String topic, String payload, boolean retain) {
      this.topic = topic;
      this.payload = payload;
      this.retain = retain;
    }

    @Override
    public String toString() {
      return topic + "=" + payload + (retain ? " (retained)" : "");
    }
  }

  final List<Sent> sent = new ArrayList<>();
  int restarts;
  /** Publishes the client was asked for, refused ones included. */
  int attempts;
  /** When set, the client refuses every publish at once, as vertx-mqtt does above its window. */
  boolean refuseAll;

  @Override
  public Future<Integer> publish(String topic, Buffer payload, boolean retain) {
    Sent s = new Sent(topic, payload.toString(), retain);
    attempts++;
    if (refuseAll) {
      return Future.failedFuture("Attempt to exceed the limit of inflight messages");
    }
    sent.add(s);
    return s.packetId.future();
  }

  @Override
  public void restart() {
    restarts++;
  }

  /** The payloads handed over so far, in order. */
  List<String> payloads() {
    return sent.stream().map(s -> s.payload).toList();
  }
}
