package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.RefHold;
import io.virtnet.runtime.mqtt.MqttSession;
import java.time.Instant;

/**
 * One instance's reference on its PHY ({@code dev_hold}/{@code dev_put}): a retained {@link RefHold}
 * on {@code vnet/phy/{agent}/{ifname}/ref/{instance}}, an empty retained payload to release it.
 */
final class RefHolder {
  private final MqttSession session;
  private final String topic;
  private final String holder;
  private final String node;
  private boolean held;
  private int ifindex = -1;
  private long holds;
  private long puts;

  RefHolder(MqttSession session, String topic, String holder, String node) {
    this.session = session;
    this.topic = topic;
    this.holder = holder;
    this.node = node;
  }

  boolean held() {
    return held;
  }

  /** The ifindex of the device held, -1 when none. */
  int ifindex() {
    return held ? ifindex : -1;
  }

  /** {@code dev_hold} on the device with {@code index}. */
  void hold(int index) {
    held = true;
    ifindex = index;
    holds++;
    publishHold();
  }

  /** A new device under the same name: release the old reference, take one on the new device. */
  void rebind(int index) {
    put();
    hold(index);
  }

  /** Publishes the hold again (e.g. the agent came back); no-op when nothing is held. */
  void republish() {
    if (held) {
      publishHold();
    }
  }

  /** {@code dev_put}: an empty retained payload. */
  Future<Void> put() {
    if (held) {
      puts++;
    }
    held = false;
    ifindex = -1;
    return session.publish(topic, Buffer.buffer(), true);
  }

  long holds() {
    return holds;
  }

  long puts() {
    return puts;
  }

  private void publishHold() {
    session.publish(topic, Buffer.buffer(Codecs.REF_HOLD.encode(new RefHold(holder, node, Instant.now()))), true);
  }
}
