package io.virtnet.injector.chaos;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioNetConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The default stack's model and a converged retained store for it, built with the contract's codecs. */
final class Fixtures {
  static final Instant TS = Instant.parse("2026-12-04T20:00:00Z");
  static final StackModel STACK = new StackModel(Topics.of("vnet"), "linux0", "backend0", List.of("eth0", "eth1"), List.of(
      new StackModel.Instance("virtio-net0", "eth0", 2), new StackModel.Instance("virtio-net1", "eth1", 2),
      new StackModel.Instance("virtio-net2", "eth0", 3)));

  private Fixtures() {}

  static byte[] state(String phy, boolean carrier) {
    EnumSet<IfFlag> flags = EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.MULTICAST);
    if (carrier) {
      flags.add(IfFlag.RUNNING);
      flags.add(IfFlag.LOWER_UP);
    }
    return Codecs.NETDEV_STATE.encode(new NetdevState("linux0", phy, 2, flags, carrier ? OperState.UP : OperState.DOWN, carrier,
        1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 1, 0, RegState.REGISTERED, TS, 7));
  }

  static byte[] view(boolean carrier) {
    return Codecs.LINK_VIEW.encode(new LinkView(carrier, carrier ? 1 : 0, 3, 1500, 1000, Duplex.FULL, 0,
        "02:00:00:00:00:01", "virtio", TS, TS, null));
  }

  static byte[] config(boolean linkUp) {
    return new VirtioNetConfig(new byte[] {2, 0, 0, 0, 0, 1}, linkUp ? VirtioNetConfig.S_LINK_UP : 0, 1, 1500, 1000, 1, 0, 0, 0)
        .encodeWire(3);
  }

  static byte[] status(boolean online) {
    return Codecs.SERVICE_STATUS.encode(new ServiceStatus(online, TS));
  }

  /** Every topic of a converged stack with eth0 and eth1 at the given carriers. */
  static Map<String, byte[]> converged(boolean eth0, boolean eth1) {
    Topics t = STACK.topics();
    Map<String, byte[]> m = new HashMap<>();
    m.put(t.phyStatus("linux0"), status(true));
    m.put(t.backendStatus("backend0"), status(true));
    m.put(t.phyState("linux0", "eth0"), state("eth0", eth0));
    m.put(t.phyState("linux0", "eth1"), state("eth1", eth1));
    for (StackModel.Instance i : STACK.instances()) {
      boolean up = i.phy().equals("eth0") ? eth0 : eth1;
      m.put(t.rtosLink(i.cpu(), i.name()), view(up));
      m.put(t.virtioConfig(i.name()), config(up));
      m.put(t.virtioDevice(i.name()), ("{\"instance\":\"" + i.name() + "\"}").getBytes(StandardCharsets.UTF_8));
      m.put(t.phyRef("linux0", i.phy(), i.name()), Codecs.REF_HOLD.encode(new RefHold(i.name(), "backend0", TS)));
    }
    return m;
  }
}
