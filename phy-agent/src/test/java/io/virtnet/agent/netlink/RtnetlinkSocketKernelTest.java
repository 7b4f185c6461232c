package io.virtnet.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("kernel")
@Timeout(60)
class RtnetlinkSocketKernelTest {
  private KernelNetns ns;

  @BeforeEach
  void createNamespace() {
    ns = KernelNetns.create();
    ns.ip("link add eth0 type veth peer name peer0");
  }

  @AfterEach
  void deleteNamespace() throws IOException {
    if (ns != null) {
      ns.close();
    }
  }

  /** Reads until NLMSG_DONE; bounded by the class timeout. */
  private static List<LinkMessage> dump(RtnetlinkSocket s) throws IOException {
    s.requestDump();
    List<LinkMessage> out = new ArrayList<>();
    LinkBatch b;
    do {
      b = s.receive(1000);
      out.addAll(b.links());
    } while (!b.done());
    return out;
  }

  @Test
  void socketOpenedInNamespace_dumpsOnlyThatNamespacesLinks() throws IOException {
    try (RtnetlinkSocket s = RtnetlinkSocket.open(Optional.of(ns.path))) {
      List<LinkMessage> links = dump(s);

      assertThat(links).extracting(LinkMessage::ifname).containsExactlyInAnyOrder("lo", "eth0", "peer0");
      assertThat(links).allMatch(LinkMessage::dumpPart);
      assertThat(links).filteredOn(m -> m.ifname().equals("eth0")).singleElement().satisfies(m -> {
        assertThat(m.mtu()).isEqualTo(1500);
        assertThat(m.address()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        assertThat(m.carrier()).isFalse();
      });
    }
  }

  @Test
  void linkChange_arrivesAsNotification_fromAnyThread() throws IOException {
    try (RtnetlinkSocket s = RtnetlinkSocket.open(Optional.of(ns.path))) {
      ns.ip("link set eth0 mtu 1400");

      LinkMessage m;
      do {
        m = s.receive(1000).links().stream().filter(x -> x.ifname().equals("eth0")).findFirst().orElse(null);
      } while (m == null);
      assertThat(m.mtu()).isEqualTo(1400);
      assertThat(m.dumpPart()).isFalse();
    }
  }

  @Test
  void receiveBuffer_isEnlarged() throws IOException {
    try (RtnetlinkSocket s = RtnetlinkSocket.open(Optional.of(ns.path))) {
      assertThat(s.receiveBufferSize()).isGreaterThanOrEqualTo(RtnetlinkSocket.DEFAULT_RCVBUF);
    }
  }

  @Test
  void burstIntoATinyQueue_surfacesAsOverrun() throws IOException {
    try (RtnetlinkSocket s = RtnetlinkSocket.open(Optional.of(ns.path), 1)) {
      // Nobody reads while the kernel notifies 300 changes: the queue must overflow.
      ns.batch(IntStream.range(0, 300).mapToObj(i -> "link set eth0 mtu " + (1000 + i)).toList());

      assertThatThrownBy(() -> {
        LinkBatch b;
        do {
          b = s.receive(500);
        } while (!b.links().isEmpty());
      }).isInstanceOf(RtnetlinkSocket.OverrunException.class);
    }
  }

  @Test
  void close_isIdempotent_andReceiveAfterCloseFails() throws IOException {
    RtnetlinkSocket s = RtnetlinkSocket.open(Optional.of(ns.path));
    s.close();
    s.close();

    assertThat(s.isOpen()).isFalse();
    assertThatThrownBy(() -> s.receive(10)).isInstanceOf(IOException.class).hasMessageContaining("closed");
  }

  @Test
  void missingNamespace_failsWithItsPath() {
    Path missing = Path.of("/var/run/netns", ns.name + "-missing");

    assertThatThrownBy(() -> RtnetlinkSocket.open(Optional.of(missing)))
        .isInstanceOf(IOException.class).hasMessageContaining(missing.toString());
  }
}
