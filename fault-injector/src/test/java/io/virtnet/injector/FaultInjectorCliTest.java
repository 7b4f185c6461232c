package io.virtnet.injector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.injector.GarbageGenerator.Category;
import io.virtnet.injector.GarbageGenerator.Item;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** The command line run in-process against the shared embedded broker; each test under its own prefix. */
@ExtendWith(SharedBroker.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultInjectorCliTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private EmbeddedBroker broker;
  private String prefix;

  /** One run: exit code and what it printed. */
  record Run(int exit, String out, String err) {}

  @BeforeEach
  void setUp(EmbeddedBroker broker) {
    this.broker = broker;
    this.prefix = TestMqtt.uniquePrefix();
  }

  private Run run(String... args) {
    return run(new StringWriter(), args);
  }

  private Run run(StringWriter out, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new FaultInjectorMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = Stream.concat(Stream.of("--broker", broker.uri(), "--prefix", prefix), Arrays.stream(args)).toArray(String[]::new);
    int exit = cl.execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  private String cmdTopic(String ifname) {
    return prefix + "/phy/linux0/" + ifname + "/cmd";
  }

  @Test
  void carrierOff_publishesExactlyTheCarrierCommand() {
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(cmdTopic("eth0"))) {
      Run r = run("carrier", "eth0", "off");

      assertThat(r.exit()).as(r.err()).isZero();
      TestMqtt.Received got = mqtt.awaitAny(cmdTopic("eth0"), m -> true, WITHIN);
      assertThat(got.text()).isEqualTo("{\"op\":\"carrier\",\"value\":false}");
      assertThat(got.retained()).isFalse();
      assertThat(r.out()).contains("sent {\"op\":\"carrier\",\"value\":false} to " + cmdTopic("eth0")).contains("1 command published");
    }
  }

  static Stream<Arguments> phyCommands() {
    return Stream.of(
        Arguments.of(List.of("carrier", "eth0", "on"), "{\"op\":\"carrier\",\"value\":true}"),
        Arguments.of(List.of("admin", "eth0", "down"), "{\"op\":\"admin\",\"value\":false}"),
        Arguments.of(List.of("mtu", "eth0", "9000"), "{\"op\":\"mtu\",\"value\":9000}"),
        Arguments.of(List.of("address", "eth0", "52:54:00:aa:bb:cc"), "{\"op\":\"address\",\"value\":\"52:54:00:aa:bb:cc\"}"),
        Arguments.of(List.of("speed", "eth0", "100"), "{\"op\":\"speed\",\"value\":100}"),
        Arguments.of(List.of("speed", "eth0", "unknown"), "{\"op\":\"speed\",\"value\":-1}"),
        Arguments.of(List.of("register", "eth0"), "{\"op\":\"register\"}"),
        Arguments.of(List.of("unregister", "eth0"), "{\"op\":\"unregister\"}"),
        Arguments.of(List.of("rename", "eth0", "wan0"), "{\"op\":\"rename\",\"value\":\"wan0\"}"));
  }

  @ParameterizedTest
  @MethodSource("phyCommands")
  void phyCommand_publishesItsOp(List<String> args, String payload) {
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(cmdTopic("eth0"))) {
      Run r = run(args.toArray(String[]::new));

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(mqtt.awaitAny(cmdTopic("eth0"), m -> true, WITHIN).text()).isEqualTo(payload);
    }
  }

  @Test
  void flap_publishesOffOnPairs_endingWithCarrierOn() {
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(cmdTopic("eth1"))) {
      Run r = run("flap", "eth1", "--count", "3", "--interval", "10ms");

      assertThat(r.exit()).as(r.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received(cmdTopic("eth1")).size() == 6);
      assertThat(mqtt.received(cmdTopic("eth1"))).extracting(m -> m.json().getBoolean("value"))
          .containsExactly(false, true, false, true, false, true);
      assertThat(r.out()).contains("6 commands").contains("final intended state: eth1 carrier on");
    }
  }

  @Test
  void storm_sendsEveryFlapToEveryPhy_pacedAtTheRate_endingWithCarrierOn() {
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/phy/linux0/+/cmd")) {
      long start = System.nanoTime();
      Run r = run("storm", "--phys", "3", "--flaps", "4", "--rate", "200");
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(r.exit()).as(r.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received().size() == 24);
      for (String phy : List.of("eth0", "eth1", "eth2")) {
        List<TestMqtt.Received> got = mqtt.received(cmdTopic(phy));
        assertThat(got).hasSize(8);
        assertThat(got.get(got.size() - 1).json().getBoolean("value")).isTrue();
      }
      // 24 commands at 200/s: 23 gaps of 5 ms. Not timed tightly: at least most of that, well under 10 s.
      assertThat(took).isGreaterThan(Duration.ofMillis(90)).isLessThan(WITHIN);
      assertThat(r.out()).contains("24 commands to 3 PHYs").contains("every PHY carrier on");
    }
  }

  @Test
  void storm_withNamedPhys() {
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/phy/linux0/+/cmd")) {
      Run r = run("storm", "--phys", "wan0,lan0", "--flaps", "2", "--rate", "1000");

      assertThat(r.exit()).as(r.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received().size() == 8);
      assertThat(mqtt.received(cmdTopic("wan0"))).hasSize(4);
      assertThat(mqtt.received(cmdTopic("lan0"))).hasSize(4);
    }
  }

  @Test
  void garbage_publishesWhatTheSeedSays_coversEveryCategoryAndKind_andLeavesNothingRetained() {
    List<Item> expected = GarbageGenerator.create(new GarbageGenerator.Target(prefix, "linux0", "eth0", "virtio-net0",
        "backend0", "virtio-net0", 2)).generate(7, 100);
    List<Item> publishable = expected.stream().filter(i -> !i.expectRefused()).toList();
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#")) {
      Run r = run("garbage", "--count", "100", "--seed", "7");

      assertThat(r.exit()).as(r.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received().size() >= publishable.size());
      assertThat(mqtt.received()).hasSize(publishable.size()).noneMatch(TestMqtt.Received::retained);
      assertThat(mqtt.received().stream().map(m -> m.topic() + " " + Arrays.toString(m.payload())))
          .containsExactlyInAnyOrderElementsOf(publishable.stream().map(i -> i.topic() + " " + Arrays.toString(i.payload())).toList());
      int refused = expected.size() - publishable.size();
      assertThat(refused).isPositive();
      assertThat(r.out()).contains("seed 7, 100 messages: " + publishable.size() + " published (none retained), " + refused + " refused client-side");
      for (Category c : Category.values()) {
        assertThat(r.out()).contains("  " + c.label() + " ");
      }
      for (TopicKind k : TopicKind.values()) {
        assertThat(r.out()).contains("  " + k.label() + " ");
      }
    }
    // A fresh subscriber on the whole prefix gets no retained message: nothing was left behind.
    try (TestMqtt fresh = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#")) {
      fresh.publish(prefix + "/sentinel", "done");
      fresh.awaitAny(prefix + "/sentinel", m -> true, WITHIN);
      assertThat(fresh.received()).noneMatch(TestMqtt.Received::retained);
    }
  }

  @Test
  void garbage_isDeterministicBySeed() {
    Run a = run("garbage", "--count", "40", "--seed", "99", "--topics", "state,event,irq");
    Run b = run("garbage", "--count", "40", "--seed", "99", "--topics", "state,event,irq");
    Run c = run("garbage", "--count", "40", "--seed", "100", "--topics", "state,event,irq");

    assertThat(a.exit()).isZero();
    assertThat(a.out()).isEqualTo(b.out()).isNotEqualTo(c.out());
    assertThat(a.out()).doesNotContain(" cmd ").contains(" state ").contains(" irq ");
  }

  static Stream<Arguments> badArguments() {
    return Stream.of(
        Arguments.of(List.of("carrier", "eth0", "maybe"), "expected on or off"),
        Arguments.of(List.of("carrier", "abcdefghijklmnop", "on"), "16 bytes"),
        Arguments.of(List.of("carrier", "..", "on"), "may not be '..'"),
        Arguments.of(List.of("admin", "eth0", "sideways"), "expected up or down"),
        Arguments.of(List.of("mtu", "eth0", "10"), "68..65535"),
        Arguments.of(List.of("mtu", "eth0", "lots"), "'lots'"),
        Arguments.of(List.of("address", "eth0", "zz:zz"), "address"),
        Arguments.of(List.of("rename", "eth0", "a:b"), "forbidden character"),
        Arguments.of(List.of("flap", "eth0", "--interval", "5x"), "not a duration"),
        Arguments.of(List.of("flap", "eth0", "--count", "0"), "--count"),
        Arguments.of(List.of("storm", "--rate", "0"), "--rate"),
        Arguments.of(List.of("storm", "--phys", "eth0,eth0"), "twice"),
        Arguments.of(List.of("garbage", "--topics", "bogus"), "unknown topic kind"),
        Arguments.of(List.of("impersonate", "--mode", "sideways"), "stale, duplicate or reorder"),
        Arguments.of(List.of("impersonate", "--mode", "stale", "--agent", "Fake"), "--agent"),
        Arguments.of(List.of("--agent", "Linux0", "carrier", "eth0", "on"), "--agent"),
        Arguments.of(List.of("--prefix", "a/#", "carrier", "eth0", "on"), "--prefix"),
        Arguments.of(List.of("--broker", "http://127.0.0.1:1883", "carrier", "eth0", "on"), "tcp:// or ssl://"),
        Arguments.of(List.of("bogus"), "bogus"),
        Arguments.of(List.of(), "a command is required"));
  }

  @ParameterizedTest
  @MethodSource("badArguments")
  void badArgument_exits2_withAClearMessage(List<String> args, String message) {
    Run r = run(args.toArray(String[]::new));

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).contains(message).doesNotContain("\tat ");
  }

  @Test
  void unreachableBroker_exits3_withTheReason() {
    int port = EmbeddedBroker.freePort();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new FaultInjectorMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));

    int exit = cl.execute("--broker", "tcp://127.0.0.1:" + port, "carrier", "eth0", "off");

    assertThat(exit).isEqualTo(3);
    assertThat(err.toString()).startsWith("cannot reach broker tcp://127.0.0.1:" + port + ": ")
        .contains("refused").doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void silentBroker_exits3_afterTheConnectTimeout() throws Exception {
    // A listening socket that never speaks MQTT: the kernel completes the TCP handshake, CONNACK never comes.
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      String uri = "tcp://127.0.0.1:" + silent.getLocalPort();
      StringWriter err = new StringWriter();
      CommandLine cl = new CommandLine(new FaultInjectorMain());
      cl.setOut(new PrintWriter(new StringWriter(), true));
      cl.setErr(new PrintWriter(err, true));
      long start = System.nanoTime();

      int exit = cl.execute("--broker", uri, "register", "eth0");

      assertThat(exit).isEqualTo(3);
      assertThat(err.toString()).startsWith("cannot reach broker " + uri + ": ").doesNotContain("\tat ");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(9));
    }
  }

  @Test
  void watch_printsALinePerChange_withLatencyFromPhyTs_andRemoval() throws Exception {
    String topic = prefix + "/rtos/2/virtio-net0/link";
    Instant ts = Instant.parse("2026-05-01T10:00:00.250Z");
    LinkView up = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "52:54:00:12:34:56", "virtio", ts, ts.minusMillis(12));
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri())) {
      mqtt.publish(topic, Codecs.LINK_VIEW.encode(up), true);

      // A retained view is printed right after the subscription.
      Run first = run("watch", "--count", "1", "--timeout", "10s");
      assertThat(first.exit()).as(first.err()).isZero();
      assertThat(first.out()).contains("cpu=2 virtio-net0 carrier=up status=1 gen=7 announces=1 latency=12ms");

      // Live changes: carrier down without phyTs, then the removal (empty payload).
      StringWriter out = new StringWriter();
      CompletableFuture<Run> watching = CompletableFuture.supplyAsync(() -> run(out, "watch", "--count", "3", "--timeout", "20s"));
      await().atMost(WITHIN).until(() -> out.toString().contains("gen=7"));
      LinkView down = new LinkView(false, 0, 8, 1500, 1000, Duplex.FULL, 1, "52:54:00:12:34:56", "virtio", ts.plusSeconds(1), null);
      mqtt.publish(topic, Codecs.LINK_VIEW.encode(down), false);
      await().atMost(WITHIN).until(() -> out.toString().contains("gen=8"));
      mqtt.publish(topic, new byte[0], true);

      Run r = watching.get(20, TimeUnit.SECONDS);
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("cpu=2 virtio-net0 carrier=down status=0 gen=8 announces=1 latency=-")
          .contains("cpu=2 virtio-net0 removed")
          .contains("watch: 3 changes seen");
    }
  }

  @Test
  void watch_timesOutWithExit1_whenTooFewChangesArrive() {
    Run r = run("watch", "--count", "1", "--timeout", "200ms");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("timed out with 0 of 1");
  }

  private NetdevState realState(long seq) {
    return new NetdevState("linux0", "eth0", 2,
        EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.RUNNING, IfFlag.MULTICAST, IfFlag.LOWER_UP), OperState.UP, true,
        1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 3, 2, RegState.REGISTERED, Instant.now(), seq);
  }

  private static List<NetdevEvent> events(TestMqtt mqtt, String topic) {
    List<NetdevEvent> out = new ArrayList<>();
    for (TestMqtt.Received m : mqtt.received(topic)) {
      out.add(Codecs.NETDEV_EVENT.decode(m.payload()));
    }
    return out;
  }

  @Test
  void impersonateStale_sendsSeqsBelowTheRealOne_asTheFakeAgent() {
    String stateTopic = prefix + "/phy/linux0/eth0/state";
    String fakeEvents = prefix + "/phy/fake0/eth0/event";
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/phy/+/eth0/event")) {
      mqtt.publish(stateTopic, Codecs.NETDEV_STATE.encode(realState(1000)), true);

      Run r = run("impersonate", "--agent", "fake0", "--ifname", "eth0", "--mode", "stale", "--count", "3");

      assertThat(r.exit()).as(r.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received(fakeEvents).size() == 3);
      assertThat(events(mqtt, fakeEvents)).extracting(NetdevEvent::seq).containsExactly(999L, 998L, 997L);
      assertThat(events(mqtt, fakeEvents)).allSatisfy(e -> assertThat(e.state().agent()).isEqualTo("fake0"));
      assertThat(r.out()).contains("real state of linux0/eth0: seq 1000").contains("sent seq=999 NETDEV_CHANGE carrier=down")
          .contains("a correct receiver applies none");
      mqtt.publish(stateTopic, new byte[0], true);
    }
  }

  @Test
  void impersonateDuplicateAndReorder_asTheRealAgent() {
    String stateTopic = prefix + "/phy/linux0/eth0/state";
    String realEvents = prefix + "/phy/linux0/eth0/event";
    try (TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(realEvents)) {
      mqtt.publish(stateTopic, Codecs.NETDEV_STATE.encode(realState(500)), true);

      Run dup = run("impersonate", "--mode", "duplicate", "--count", "3");
      assertThat(dup.exit()).as(dup.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received(realEvents).size() == 3);
      assertThat(events(mqtt, realEvents)).extracting(NetdevEvent::seq).containsOnly(501L);

      mqtt.clear();
      Run re = run("impersonate", "--mode", "reorder", "--count", "4");
      assertThat(re.exit()).as(re.err()).isZero();
      await().atMost(WITHIN).until(() -> mqtt.received(realEvents).size() == 4);
      assertThat(events(mqtt, realEvents)).extracting(NetdevEvent::seq).containsExactly(502L, 501L, 504L, 503L);
      assertThat(re.out()).contains("ends at seq 504 with carrier up");
      mqtt.publish(stateTopic, new byte[0], true);
    }
  }

  @Test
  void impersonate_withoutRetainedState_exits1_withTheReason() {
    Run r = run("impersonate", "--mode", "stale", "--state-timeout", "200ms");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no retained state on " + prefix + "/phy/linux0/eth0/state");
  }

  @Test
  void help_listsEveryCommand() {
    Run r = run("--help");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("carrier", "admin", "mtu", "address", "speed", "register", "unregister", "rename",
        "flap", "storm", "garbage", "impersonate", "watch");
    assertThat(new String(r.out().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).contains("Exit codes");
  }
}
