package io.virtnet.agent.netlink;

import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGE;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEADDR;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEMTU;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGENAME;
import static io.virtnet.protocol.NetdevCmd.NETDEV_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_GOING_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_REGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UNREGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("kernel")
@Timeout(60)
class NetlinkLinkSourceKernelTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<NetdevEvent> events = new CopyOnWriteArrayList<>();
  private KernelNetns ns;
  private NetlinkLinkSource source;
  private int mark;

  @BeforeEach
  void createNamespaceWithVethPair() {
    ns = KernelNetns.create();
    ns.ip("link add eth0 type veth peer name peer0");
  }

  @AfterEach
  void stopAndDeleteNamespace() throws IOException {
    if (source != null) {
      source.stop();
    }
    if (ns != null) {
      ns.close();
    }
  }

  private void start(Predicate<String> selection) throws IOException {
    start(selection, RtnetlinkSocket.DEFAULT_RCVBUF, events::addAll);
  }

  private void start(Predicate<String> selection, int rcvbuf, Consumer<List<NetdevEvent>> sink)
      throws IOException {
    source = NetlinkLinkSource.builder("linux0").netns(ns.path).selection(selection)
        .receiveBufferBytes(rcvbuf).sink(sink).build();
    source.start();
  }

  /** Later awaits only look at events after this point. */
  private void mark() {
    mark = events.size();
  }

  private List<NetdevEvent> since() {
    List<NetdevEvent> all = new ArrayList<>(events);
    return all.subList(Math.min(mark, all.size()), all.size());
  }

  private NetdevEvent awaitEvent(NetdevCmd cmd, String ifname, Predicate<NetdevState> p) {
    return await().atMost(WAIT).until(() -> since().stream()
        .filter(e -> e.event() == cmd && e.state().ifname().equals(ifname) && p.test(e.state()))
        .findFirst(), Optional::isPresent).get();
  }

  private NetdevState awaitState(String ifname, Predicate<NetdevState> p) {
    return await().atMost(WAIT).until(() -> source.snapshot().stream()
        .filter(s -> s.ifname().equals(ifname) && p.test(s)).findFirst(), Optional::isPresent).get();
  }

  private List<NetdevCmd> cmdsSince(String ifname) {
    return since().stream().filter(e -> e.state().ifname().equals(ifname)).map(NetdevEvent::event).toList();
  }

  private void bothUp() {
    ns.ip("link set peer0 up");
    ns.ip("link set eth0 up");
    awaitState("eth0", s -> s.carrier() && s.operstate() == OperState.UP);
  }

  @Test
  void initialDump_publishesExistingInterfaces_butNotLo() throws IOException {
    start(InterfaceSelection.all());

    // start() returns only after the dump's events were delivered: no waiting needed.
    assertThat(events).extracting(e -> e.event() + " " + e.state().ifname())
        .containsExactlyInAnyOrder("NETDEV_REGISTER eth0", "NETDEV_REGISTER peer0");
    assertThat(source.snapshot()).extracting(NetdevState::ifname).containsExactlyInAnyOrder("eth0", "peer0");
    assertThat(source.snapshot()).allSatisfy(s -> {
      assertThat(s.reg()).isEqualTo(RegState.REGISTERED);
      assertThat(s.agent()).isEqualTo("linux0");
      assertThat(s.adminUp()).isFalse();
      assertThat(s.speed()).isEqualTo(NetdevState.SPEED_UNKNOWN);
    });
  }

  @Test
  void initialDump_ofAnUpDevice_isRegisterThenUp() throws IOException {
    ns.ip("link set peer0 up");
    ns.ip("link set eth0 up");

    start(InterfaceSelection.of(Set.of("eth0")));

    assertThat(events).extracting(NetdevEvent::event).containsExactly(NETDEV_REGISTER, NETDEV_UP);
  }

  @Test
  void peerDownAndUp_isCarrierChangeOnEth0() throws IOException {
    start(InterfaceSelection.all());
    bothUp();
    mark();

    ns.ip("link set peer0 down");
    NetdevState lost = awaitEvent(NETDEV_CHANGE, "eth0", s -> !s.carrier()).state();

    assertThat(lost.operstate()).isEqualTo(OperState.LOWERLAYERDOWN);
    assertThat(lost.adminUp()).isTrue();
    assertThat(lost.linkUp()).isFalse();
    assertThat(lost.carrierDownCount()).isPositive();

    mark();
    ns.ip("link set peer0 up");
    NetdevState back = awaitEvent(NETDEV_CHANGE, "eth0", NetdevState::carrier).state();

    assertThat(back.operstate()).isEqualTo(OperState.UP);
    assertThat(back.linkUp()).isTrue();
    assertThat(back.carrierUpCount()).isGreaterThan(lost.carrierUpCount());
  }

  @Test
  void adminDownAndUp_isGoingDownDownThenUp() throws IOException {
    start(InterfaceSelection.all());
    bothUp();
    mark();

    ns.ip("link set eth0 down");
    awaitEvent(NETDEV_DOWN, "eth0", s -> !s.adminUp());

    assertThat(cmdsSince("eth0")).startsWith(NETDEV_GOING_DOWN, NETDEV_DOWN);

    mark();
    ns.ip("link set eth0 up");
    awaitEvent(NETDEV_UP, "eth0", NetdevState::adminUp);
    awaitState("eth0", NetdevState::linkUp);
  }

  @Test
  void mtuChange_isChangeMtu() throws IOException {
    start(InterfaceSelection.all());
    mark();

    ns.ip("link set eth0 mtu 1400");

    assertThat(awaitEvent(NETDEV_CHANGEMTU, "eth0", s -> true).state().mtu()).isEqualTo(1400);
  }

  @Test
  void macChange_isChangeAddr() throws IOException {
    start(InterfaceSelection.all());
    mark();

    ns.ip("link set eth0 address 02:AA:bb:cc:dd:ee");

    assertThat(awaitEvent(NETDEV_CHANGEADDR, "eth0", s -> true).state().address())
        .isEqualTo("02:aa:bb:cc:dd:ee");
  }

  @Test
  void rename_isChangeName_withOldName() throws IOException {
    start(InterfaceSelection.all());
    mark();

    ns.ip("link set eth0 name wan0");

    NetdevEvent e = awaitEvent(NETDEV_CHANGENAME, "wan0", s -> true);
    assertThat(e.oldIfname()).isEqualTo("eth0");
    assertThat(source.snapshot()).extracting(NetdevState::ifname).containsExactlyInAnyOrder("wan0", "peer0");
  }

  @Test
  void delete_isUnregister() throws IOException {
    start(InterfaceSelection.all());
    bothUp();
    mark();

    ns.ip("link del eth0");

    NetdevState gone = awaitEvent(NETDEV_UNREGISTER, "eth0", s -> true).state();
    assertThat(gone.reg()).isEqualTo(RegState.UNREGISTERED);
    assertThat(gone.linkUp()).isFalse();
    awaitEvent(NETDEV_UNREGISTER, "peer0", s -> true);
    assertThat(cmdsSince("eth0")).containsSubsequence(NETDEV_DOWN, NETDEV_UNREGISTER);
    assertThat(source.snapshot()).isEmpty();
  }

  @Test
  void interfaceCreatedAfterStart_isRegister() throws IOException {
    start(InterfaceSelection.all());
    mark();

    ns.ip("link add eth1 type veth peer name peer1");

    NetdevState s = awaitEvent(NETDEV_REGISTER, "eth1", x -> true).state();
    assertThat(s.reg()).isEqualTo(RegState.REGISTERED);
    awaitEvent(NETDEV_REGISTER, "peer1", x -> true);
  }

  @Test
  void explicitSelection_reportsNothingElse() throws IOException {
    start(InterfaceSelection.of(Set.of("eth0")));
    assertThat(events).extracting(e -> e.state().ifname()).containsExactly("eth0");
    mark();

    // The kernel notifies in order, so peer0's change is processed before eth0's.
    ns.ip("link set peer0 mtu 1300");
    ns.ip("link set eth0 mtu 1300");
    awaitEvent(NETDEV_CHANGEMTU, "eth0", s -> true);

    assertThat(since()).extracting(e -> e.state().ifname()).containsOnly("eth0");
  }

  @Test
  void stop_isIdempotent_andEndsTheReader() throws IOException {
    start(InterfaceSelection.all());
    assertThat(readerThreads()).isPositive();

    source.stop();
    source.stop();

    assertThat(readerThreads()).isZero();
  }

  private static long readerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(NetlinkLinkSource.THREAD_NAME) && t.isAlive()).count();
  }

  @Test
  void startInMissingNamespace_failsClearly() {
    NetlinkLinkSource s = NetlinkLinkSource.builder("linux0")
        .netns(java.nio.file.Path.of("/var/run/netns", ns.name + "-missing")).sink(e -> { }).build();

    org.assertj.core.api.Assertions.assertThatThrownBy(s::start).isInstanceOf(IOException.class)
        .hasMessageContaining("initial link dump").hasMessageContaining(ns.name + "-missing");
    s.stop();
  }

  @Test
  void overrunWhileTheReaderIsBusy_isRecoveredByReDumpAndDiff() throws Exception {
    ns.ip("link add extra0 type veth peer name xpeer0");
    CountDownLatch gate = new CountDownLatch(1);
    AtomicBoolean armed = new AtomicBoolean();
    AtomicBoolean blocked = new AtomicBoolean();
    start(InterfaceSelection.all(), 1, batch -> {
      events.addAll(batch);
      if (armed.getAndSet(false)) {
        blocked.set(true);
        try {
          gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    bothUp();

    // GIVEN the reader is stuck in the sink, so nobody drains the (tiny) socket queue
    armed.set(true);
    ns.ip("link set eth0 mtu 1499");
    await().atMost(WAIT).untilTrue(blocked);
    mark();

    // WHEN a burst of 400 changes, a deletion and a creation happen meanwhile
    List<String> burst = new ArrayList<>();
    IntStream.range(0, 200).forEach(i -> {
      burst.add("link set eth0 mtu " + (1000 + i));
      burst.add("link set peer0 " + (i % 2 == 0 ? "down" : "up"));
    });
    burst.add("link del extra0");
    burst.add("link add eth7 type veth peer name peer7");
    burst.add("link set eth0 mtu 1234");
    ns.batch(burst);
    gate.countDown();

    // THEN the kernel reported ENOBUFS and the source converged on the kernel's final state
    await().atMost(WAIT).until(() -> source.overruns() > 0 && source.resyncs() > 0);
    NetdevState eth0 = awaitState("eth0", s -> s.mtu() == 1234);
    assertThat(eth0.carrier()).isTrue();
    assertThat(eth0.linkUp()).isTrue();
    awaitEvent(NETDEV_UNREGISTER, "extra0", s -> true);
    awaitEvent(NETDEV_REGISTER, "eth7", s -> true);
    await().atMost(WAIT).untilAsserted(() -> assertThat(source.snapshot()).extracting(NetdevState::ifname)
        .containsExactlyInAnyOrder("eth0", "peer0", "eth7", "peer7"));
    // Flaps that fell into the gap still show in the counters.
    assertThat(eth0.carrierDownCount()).isGreaterThanOrEqualTo(100);
  }
}
