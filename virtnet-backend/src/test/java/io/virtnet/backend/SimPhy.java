package io.virtnet.backend;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevCodec;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.Topics;
import io.virtnet.testsupport.TestMqtt;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * The test's stand-in for a phy-agent's PHY: keeps a netdev's state and publishes contract payloads
 * (event, then retained state) built with the protocol records.
 */
final class SimPhy {
  final String agent;
  String ifname;
  int ifindex;
  RegState reg = RegState.REGISTERED;
  boolean admin = true;
  boolean carrier = true;
  int mtu = 1500;
  String address = "52:54:00:12:34:56";
  int speed = 1000;
  Duplex duplex = Duplex.FULL;
  long upCount;
  long downCount;
  long seq = NetdevCodec.seqEpoch(Instant.now());

  private final TestMqtt mqtt;
  private final Topics topics;

  SimPhy(TestMqtt mqtt, Topics topics, String agent, String ifname, int ifindex) {
    this.mqtt = mqtt;
    this.topics = topics;
    this.agent = agent;
    this.ifname = ifname;
    this.ifindex = ifindex;
  }

  NetdevState state() {
    Set<IfFlag> flags = EnumSet.of(IfFlag.BROADCAST, IfFlag.MULTICAST);
    if (admin) {
      flags.add(IfFlag.UP);
      if (carrier) {
        // dev_get_flags: RUNNING and LOWER_UP only while IFF_UP
        flags.add(IfFlag.RUNNING);
        flags.add(IfFlag.LOWER_UP);
      }
    }
    OperState op = !admin ? OperState.DOWN : carrier ? OperState.UP : OperState.LOWERLAYERDOWN;
    return new NetdevState(agent, ifname, ifindex, flags, op, carrier, mtu, address, speed, duplex, upCount,
        downCount, reg, Instant.now(), seq);
  }

  /** The next event (seq bumped) with the state after it. */
  NetdevEvent next(NetdevCmd cmd) {
    seq++;
    return new NetdevEvent(cmd, seq, state(), null);
  }

  /** Publishes {@code cmd} as an event and the retained state after it. */
  NetdevEvent publish(NetdevCmd cmd) {
    NetdevEvent e = next(cmd);
    mqtt.publish(topics.phyEvent(agent, ifname), Codecs.NETDEV_EVENT.encode(e), false);
    mqtt.publish(topics.phyState(agent, ifname), Codecs.NETDEV_STATE.encode(e.state()), true);
    return e;
  }

  /** Publishes only the retained state (as an agent starting up does). */
  void publishState() {
    seq++;
    mqtt.publish(topics.phyState(agent, ifname), Codecs.NETDEV_STATE.encode(state()), true);
  }

  void carrier(boolean on) {
    if (on != carrier) {
      if (on) {
        upCount++;
      } else {
        downCount++;
      }
    }
    carrier = on;
    publish(NetdevCmd.NETDEV_CHANGE);
  }

  void admin(boolean up) {
    if (up) {
      admin = true;
      publish(NetdevCmd.NETDEV_UP);
    } else {
      publish(NetdevCmd.NETDEV_GOING_DOWN);
      admin = false;
      publish(NetdevCmd.NETDEV_DOWN);
    }
  }

  void register() {
    reg = RegState.REGISTERED;
    publish(NetdevCmd.NETDEV_REGISTER);
    if (admin) {
      publish(NetdevCmd.NETDEV_UP);
    }
  }

  void unregister() {
    if (admin) {
      publish(NetdevCmd.NETDEV_GOING_DOWN);
      admin = false;
      publish(NetdevCmd.NETDEV_DOWN);
    }
    reg = RegState.UNREGISTERING;
    publish(NetdevCmd.NETDEV_UNREGISTER);
  }

  void mtu(int newMtu) {
    mtu = newMtu;
    publish(NetdevCmd.NETDEV_CHANGEMTU);
  }
}
