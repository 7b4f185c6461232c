package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.RefHold;
import java.time.Instant;
import java.util.function.BiFunction;

/**
 * One instance's reference on its PHY ({@code dev_hold}/{@code dev_put}): a retained {@link RefHold}
 * on {@code vnet/phy/{agent}/{ifname}/ref/{instance}}, an empty retained payload to release it.
 */
final class RefHolder {
  private final BiFunction<String, Buffer, Future<Void>> publisher;
  private final String topic;
  private final String holder;
  private final String node;
  private boolean held;
  private int ifindex = -1;
  private long holds;
  private long puts;

  /** @param publisher publishes a retained payload on a topic */
  RefHolder(BiFunction<String, Buffer, Future<Void>> publisher, String topic, String holder, String node) {
    this.publisher = publisher;
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

  /** Publishes what is held again (a hold, or the release) after another client changed it. */
  void reassert() {
    if (held) {
      publishHold();
    } else {
      publisher.apply(topic, Buffer.buffer());
    }
  }

  /** {@code dev_put}: an empty retained payload. */
  Future<Void> put() {
    if (held) {
      puts++;
    }
    held = false;
    ifindex = -1;
    return publisher.apply(topic, Buffer.buffer());
  }

  long holds() {
    return holds;
  }

  long puts() {
    return puts;
  }

  private void publishHold() {
    publisher.apply(topic, Buffer.buffer(Codecs.REF_HOLD.encode(new RefHold(holder, node, Instant.now()))));
  }
}
