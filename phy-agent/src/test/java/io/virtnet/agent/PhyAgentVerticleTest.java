package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.agent.config.SimPhyConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Duplex;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import io.virtnet.testsupport.TestMqtt.Received;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class PhyAgentVerticleTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);
  private static final String AGENT = "linux0";

  private String p;
  private TestMqtt obs;
  private SimpleMeterRegistry registry;
  private EmbeddedBroker broker;

  @BeforeEach
  void setUp(EmbeddedBroker broker) {
    this.broker = broker;
    p = TestMqtt.uniquePrefix();
    registry = new SimpleMeterRegistry();
    obs = TestMqtt.connect(broker.uri()).subscribe(p + "/#");
  }

  @AfterEach
  void tearDown() {
    obs.close();
  }

  // ---- helpers ----

  private static AgentConfig twoPhys() {
    return AgentConfig.sim(AGENT, List.of(
        new SimPhyConfig("eth0", "52:54:00:12:34:56", 1500, 1000, Duplex.FULL, true, true, true),
        new SimPhyConfig("eth1", "52:54:00:12:34:57", 1500, 1000, Duplex.FULL, false, false, true)));
  }

  private PhyAgentVerticle agent(AgentConfig config) {
    return new PhyAgentVerticle(config, new MqttConfig(p), MqttSessionOptions.forBroker(broker.uri(), "replaced"),
        registry, PhyAgentVerticle::defaultSource, Duration.ofMillis(100), Duration.ofMillis(300));
  }

  private static String deploy(Vertx vertx, PhyAgentVerticle v) throws Exception {
    return vertx.deployVerticle(v).await(20, TimeUnit.SECONDS);
  }

  private String phy(String ifname, String leaf) {
    return p + "/phy/" + AGENT + "/" + ifname + "/" + leaf;
  }

  private String status() {
    return p + "/phy/" + AGENT + "/status";
  }

  private void cmd(String ifname, String json) {
    obs.publish(phy(ifname, "cmd"), json);
  }

  private static String hold(String holder, String node) {
    return new JsonObject().put("holder", holder).put("node", node).put("ts", Instant.now().toString()).encode();
  }

  private List<JsonObject> events(String ifname) {
    return obs.received(phy(ifname, "event")).stream().map(Received::json).toList();
  }

  private List<String> eventNames(String ifname) {
    return events(ifname).stream().map(e -> e.getString("event")).toList();
  }

  private double rejected(String reason) {
    return registry.find("vnet_rejected_messages").tag("service", "phy-agent").tag("reason", reason)
        .counters().stream().mapToDouble(Counter::count).sum();
  }

  private double rejectedTotal() {
    return registry.find("vnet_rejected_messages").counters().stream().mapToDouble(Counter::count).sum();
  }

  private static int usage(PhyAgentVerticle v, String ifname) throws Exception {
    return v.usageCount(ifname).await(5, TimeUnit.SECONDS);
  }

  // ---- tests ----

  @Test
  void start_publishesRetainedStateOfEveryPhy_andOnlineStatus(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));

    // a watcher arriving later learns everything from the retained topics
    try (TestMqtt late = TestMqtt.connect(broker.uri()).subscribe(p + "/phy/#")) {
      JsonObject eth0 = late.awaitLast(phy("eth0", "state"), Received::retained, WITHIN).json();
      assertThat(eth0.getString("reg")).isEqualTo("REGISTERED");
      assertThat(eth0.getString("operstate")).isEqualTo("UP");
      assertThat(eth0.getBoolean("carrier")).isTrue();
      assertThat(eth0.getInteger("ifindex")).isEqualTo(2);
      assertThat(eth0.getString("agent")).isEqualTo(AGENT);
      assertThat(eth0.getJsonArray("flags").getList())
          .containsExactlyInAnyOrder("UP", "BROADCAST", "RUNNING", "MULTICAST", "LOWER_UP");
      assertThat(eth0.getLong("seq")).isPositive();

      JsonObject eth1 = late.awaitLast(phy("eth1", "state"), Received::retained, WITHIN).json();
      assertThat(eth1.getString("operstate")).isEqualTo("DOWN");
      assertThat(eth1.getJsonArray("flags").getList()).containsExactlyInAnyOrder("BROADCAST", "MULTICAST");

      assertThat(late.awaitLast(status(), Received::retained, WITHIN).json().getString("state")).isEqualTo("online");
    }
    // and live watchers saw the registration as the kernel would replay it
    await().atMost(WITHIN).until(() -> eventNames("eth0").size() == 2);
    assertThat(eventNames("eth0")).containsExactly("NETDEV_REGISTER", "NETDEV_UP");
    assertThat(eventNames("eth1")).containsExactly("NETDEV_REGISTER");
  }

  @Test
  void cablePull_publishesNetdevChange_thenStateWithoutCarrier(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);

    cmd("eth0", "{\"op\":\"carrier\",\"value\":false}");

    JsonObject state = obs.awaitJson(phy("eth0", "state"), "carrier", false, WITHIN);
    assertThat(state.getString("operstate")).isEqualTo("LOWERLAYERDOWN");
    assertThat(state.getLong("carrierDownCount")).isEqualTo(1);
    assertThat(state.getJsonArray("flags").getList()).contains("UP").doesNotContain("RUNNING", "LOWER_UP");
    JsonObject event = obs.awaitJson(phy("eth0", "event"), "event", "NETDEV_CHANGE", WITHIN);
    assertThat(event.getBoolean("carrier")).isFalse();
    assertThat(event.getLong("seq")).isEqualTo(state.getLong("seq"));
    // event first, then state
    List<Received> all = obs.received();
    int eventAt = all.indexOf(obs.last(phy("eth0", "event")).orElseThrow());
    int stateAt = all.indexOf(obs.last(phy("eth0", "state")).orElseThrow());
    assertThat(eventAt).isLessThan(stateAt);
    assertThat(registry.find("vnet_agent_events").tag("event", "NETDEV_CHANGE").counter().count()).isEqualTo(1);
  }

  @Test
  void seq_neverFallsBehindTheMicrosecondClock_soForgedNumbersJustAboveOursCannotBlockUs(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    long startSeq = obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN).getLong("seq");
    // GIVEN some time has passed since the agent started counting (a forger would number just above startSeq)
    long before = io.virtnet.protocol.NetdevCodec.seqEpoch(java.time.Instant.now());
    org.awaitility.Awaitility.await().atMost(WITHIN)
        .until(() -> io.virtnet.protocol.NetdevCodec.seqEpoch(java.time.Instant.now()) > startSeq + 10_000);

    cmd("eth0", "{\"op\":\"carrier\",\"value\":false}");

    JsonObject event = obs.awaitJson(phy("eth0", "event"), "event", "NETDEV_CHANGE", WITHIN);
    assertThat(event.getLong("seq")).isGreaterThanOrEqualTo(before).isGreaterThan(startSeq + 10_000);
  }

  @Test
  void adminUp_withoutCarrier_isNetdevUp_withOperstateLowerLayerDown(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    obs.awaitJson(phy("eth1", "state"), "operstate", "DOWN", WITHIN);

    cmd("eth1", "{\"op\":\"admin\",\"value\":true}");

    JsonObject up = obs.awaitJson(phy("eth1", "event"), "event", "NETDEV_UP", WITHIN);
    assertThat(up.getString("operstate")).isEqualTo("LOWERLAYERDOWN");
    assertThat(up.getBoolean("carrier")).isFalse();
    assertThat(up.getJsonArray("flags").getList()).contains("UP").doesNotContain("RUNNING", "LOWER_UP");
    JsonObject state = obs.awaitJson(phy("eth1", "state"), "operstate", "LOWERLAYERDOWN", WITHIN);
    assertThat(state.getLong("seq")).isEqualTo(up.getLong("seq"));
  }

  @Test
  void carrierChange_whileAdminDown_republishesState_withoutEvent(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    JsonObject before = obs.awaitJson(phy("eth1", "state"), "operstate", "DOWN", WITHIN);

    cmd("eth1", "{\"op\":\"carrier\",\"value\":true}");

    JsonObject after = obs.awaitJson(phy("eth1", "state"), "carrier", true, WITHIN);
    assertThat(after.getLong("carrierUpCount")).isEqualTo(1);
    assertThat(after.getLong("seq")).isGreaterThan(before.getLong("seq"));
    assertThat(eventNames("eth1")).containsExactly("NETDEV_REGISTER");
  }

  @Test
  void unregister_withAHolder_waitsUnregistering_rebroadcasts_andCompletesOnPut(Vertx vertx) throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger(PhyChanges.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try {
      // GIVEN eth0 held by virtio-net0 on backend0
      PhyAgentVerticle v = agent(twoPhys());
      deploy(vertx, v);
      obs.publishRetained(phy("eth0", "ref/virtio-net0"), hold("virtio-net0", "backend0"));
      await().atMost(WITHIN).until(() -> usage(v, "eth0") == 1);

      // WHEN it is unregistered
      cmd("eth0", "{\"op\":\"unregister\"}");

      // THEN it closes, unregisters, and stays UNREGISTERING while held
      JsonObject state = obs.awaitJson(phy("eth0", "state"), "reg", "UNREGISTERING", WITHIN);
      assertThat(state.getString("operstate")).isEqualTo("DOWN");
      await().atMost(WITHIN).until(() -> eventNames("eth0").stream().filter("NETDEV_UNREGISTER"::equals).count() >= 3);
      assertThat(eventNames("eth0").subList(0, 5)).containsExactly("NETDEV_REGISTER", "NETDEV_UP",
          "NETDEV_GOING_DOWN", "NETDEV_DOWN", "NETDEV_UNREGISTER");
      List<JsonObject> unregs = events("eth0").stream()
          .filter(e -> e.getString("event").equals("NETDEV_UNREGISTER")).toList();
      assertThat(unregs).allSatisfy(e -> assertThat(e.getString("reg")).isEqualTo("UNREGISTERING"));
      assertThat(unregs.get(1).getLong("seq")).isGreaterThan(unregs.get(0).getLong("seq"));
      await().atMost(WITHIN).until(() -> logged.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().startsWith("unregister_netdevice: waiting for eth0 to become free. Usage count = 1")));

      // a new registration of the name is refused while the old device waits
      cmd("eth0", "{\"op\":\"register\"}");
      await().atMost(WITHIN).until(() -> rejected("device-busy") == 1);
      assertThat(eventNames("eth0")).filteredOn("NETDEV_REGISTER"::equals).hasSize(1);

      // WHEN the holder puts its reference THEN the device is gone
      obs.publish(phy("eth0", "ref/virtio-net0"), new byte[0], true);
      obs.awaitLast(phy("eth0", "state"), Received::isEmpty, WITHIN);
      int afterGone = eventNames("eth0").size();
      await().during(Duration.ofMillis(400)).atMost(WITHIN).until(() -> eventNames("eth0").size() == afterGone);

      // and the name can be registered again, with a new ifindex
      cmd("eth0", "{\"op\":\"register\"}");
      JsonObject reg = obs.awaitJson(phy("eth0", "state"), "reg", "REGISTERED", WITHIN);
      assertThat(reg.getInteger("ifindex")).isEqualTo(4);
    } finally {
      log.detachAppender(logged);
    }
  }

  @Test
  void holder_whoseBackendGoesOffline_stopsCounting(Vertx vertx) throws Exception {
    PhyAgentVerticle v = agent(twoPhys());
    deploy(vertx, v);
    obs.publishRetained(p + "/backend/backend7/status", "{\"state\":\"online\",\"ts\":\"2026-01-01T00:00:00Z\"}");
    obs.publishRetained(phy("eth0", "ref/virtio-net0"), hold("virtio-net0", "backend7"));
    await().atMost(WITHIN).until(() -> usage(v, "eth0") == 1);
    cmd("eth0", "{\"op\":\"unregister\"}");
    obs.awaitJson(phy("eth0", "state"), "reg", "UNREGISTERING", WITHIN);

    // the backend died: the broker publishes its will
    obs.publishRetained(p + "/backend/backend7/status", "{\"state\":\"offline\"}");

    obs.awaitLast(phy("eth0", "state"), Received::isEmpty, WITHIN);
    assertThat(usage(v, "eth0")).isZero();
  }

  @Test
  void unregister_withoutHolders_clearsTheStateAtOnce(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    obs.awaitJson(phy("eth1", "state"), "reg", "REGISTERED", WITHIN);

    cmd("eth1", "{\"op\":\"unregister\"}");

    obs.awaitLast(phy("eth1", "state"), Received::isEmpty, WITHIN);
    JsonObject unreg = obs.awaitJson(phy("eth1", "event"), "event", "NETDEV_UNREGISTER", WITHIN);
    assertThat(unreg.getString("reg")).isEqualTo("UNREGISTERED");
  }

  @Test
  void rename_whileDown_publishesChangeNameOnBothTopics_andMovesTheState(Vertx vertx) throws Exception {
    deploy(vertx, agent(twoPhys()));
    obs.awaitJson(phy("eth1", "state"), "reg", "REGISTERED", WITHIN);

    cmd("eth1", "{\"op\":\"rename\",\"value\":\"lan0\"}");

    JsonObject moved = obs.awaitJson(phy("lan0", "state"), "ifname", "lan0", WITHIN);
    assertThat(moved.getInteger("ifindex")).isEqualTo(3);
    obs.awaitLast(phy("eth1", "state"), Received::isEmpty, WITHIN);
    JsonObject onOld = obs.awaitJson(phy("eth1", "event"), "event", "NETDEV_CHANGENAME", WITHIN);
    JsonObject onNew = obs.awaitJson(phy("lan0", "event"), "event", "NETDEV_CHANGENAME", WITHIN);
    assertThat(onOld).isEqualTo(onNew);
    assertThat(onNew.getString("oldIfname")).isEqualTo("eth1");

    // eth0 is up: refused (EBUSY), nothing published
    cmd("eth0", "{\"op\":\"rename\",\"value\":\"lan1\"}");
    await().atMost(WITHIN).until(() -> rejected("device-busy") == 1);
    assertThat(obs.received(phy("lan1", "state"))).isEmpty();
  }

  @Test
  void seq_keepsGrowing_acrossARestartOfTheSameAgent(Vertx vertx) throws Exception {
    String first = deploy(vertx, agent(twoPhys()));
    cmd("eth0", "{\"op\":\"carrier\",\"value\":false}");
    obs.awaitJson(phy("eth0", "event"), "event", "NETDEV_CHANGE", WITHIN);
    long maxFirst = events("eth0").stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();
    vertx.undeploy(first).await(20, TimeUnit.SECONDS);
    obs.awaitJson(status(), "state", "offline", WITHIN);
    obs.clear();

    deploy(vertx, agent(twoPhys()));

    await().atMost(WITHIN).until(() -> eventNames("eth0").size() == 2);
    List<Long> seqs = events("eth0").stream().map(e -> e.getLong("seq")).toList();
    assertThat(seqs.get(0)).isGreaterThan(maxFirst);
    assertThat(seqs.get(1)).isGreaterThan(seqs.get(0));
    assertThat(obs.awaitJson(phy("eth0", "state"), "carrier", true, WITHIN).getLong("seq")).isEqualTo(seqs.get(1));
    obs.awaitJson(status(), "state", "online", WITHIN);
  }

  @Test
  void garbage_onCmdRefAndStatusTopics_isCountedAndChangesNothing(Vertx vertx) throws Exception {
    PhyAgentVerticle v = agent(twoPhys());
    deploy(vertx, v);
    obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);
    await().atMost(WITHIN).until(() -> eventNames("eth0").size() == 2);
    int publishedBefore = obs.received().size();

    byte[] oversize = new byte[5000];
    java.util.Arrays.fill(oversize, (byte) ' ');
    oversize[0] = '{';
    oversize[4999] = '}';
    String ok = "{\"op\":\"carrier\",\"value\":false}";
    // commands
    cmd("eth0", "{not json");
    obs.publish(phy("eth0", "cmd"), oversize, false);
    cmd("eth0", "{\"op\":\"carrier\",\"value\":\"no\"}");
    cmd("eth0", "{\"op\":\"explode\",\"value\":1}");
    cmd("eth0", "{\"op\":\"mtu\",\"value\":10}");
    cmd("eth0", "{\"op\":\"mtu\"}");
    cmd("eth0", "[1,2,3]");
    obs.publish(phy("eth0", "cmd"), new byte[] {'{', (byte) 0xC3, '}'}, false);
    obs.publish(p + "/phy/" + AGENT + "/abcdefghijklmnop/cmd", ok.getBytes(StandardCharsets.UTF_8), false);
    cmd("eth9", ok);
    // holds
    obs.publish(phy("eth0", "ref/virtio-net0"), "garbage");
    obs.publish(phy("eth0", "ref/virtio-net0"), hold("virtio-net1", "backend0"));
    obs.publish(phy("eth0", "ref/virtio-net0"), "{\"holder\":\"virtio-net0\",\"node\":\"Backend 0\",\"ts\":\"x\"}");
    obs.publish(phy("eth0", "ref/virtio-net0"), "{\"holder\":\"virtio-net0\",\"node\":7,\"ts\":\"2026-01-01T00:00:00Z\"}");
    obs.publish(phy("eth0", "ref/Bad_Holder"), hold("virtio-net0", "backend0"));
    obs.publish(p + "/phy/" + AGENT + "/abcdefghijklmnop/ref/virtio-net0", hold("virtio-net0", "backend0"));
    // backend status
    obs.publish(p + "/backend/backend0/status", "{\"state\":\"maybe\"}");
    obs.publish(p + "/backend/backend0/status", "{\"state\":true}");
    obs.publish(p + "/backend/BAD/status", "{\"state\":\"offline\"}");
    int sent = 19;

    await().atMost(WITHIN).until(() -> rejectedTotal() == sent);
    assertThat(rejected("malformed-json")).isEqualTo(3);
    assertThat(rejected("oversize")).isEqualTo(1);
    assertThat(rejected("wrong-type")).isEqualTo(4);
    assertThat(rejected("unknown-value")).isEqualTo(2);
    assertThat(rejected("out-of-range")).isEqualTo(1);
    assertThat(rejected("missing-field")).isEqualTo(1);
    assertThat(rejected("bad-utf8")).isEqualTo(1);
    assertThat(rejected("invalid-name")).isEqualTo(4);
    assertThat(rejected("no-such-device")).isEqualTo(1);
    assertThat(rejected("holder-mismatch")).isEqualTo(1);
    // nothing was published and no hold counts
    assertThat(obs.received()).hasSize(publishedBefore + sent);
    assertThat(obs.received().subList(publishedBefore, obs.received().size()))
        .noneMatch(r -> r.topic().endsWith("/state") || r.topic().endsWith("/event"));
    assertThat(usage(v, "eth0")).isZero();

    // and the agent still works
    cmd("eth0", ok);
    obs.awaitJson(phy("eth0", "event"), "event", "NETDEV_CHANGE", WITHIN);
    assertThat(obs.awaitJson(phy("eth0", "state"), "carrier", false, WITHIN).getString("operstate"))
        .isEqualTo("LOWERLAYERDOWN");
  }

  @Test
  void cleanStop_publishesOffline_notTheWill(Vertx vertx) throws Exception {
    String id = deploy(vertx, agent(twoPhys()));
    obs.awaitJson(status(), "state", "online", WITHIN);

    vertx.undeploy(id).await(20, TimeUnit.SECONDS);

    JsonObject offline = obs.awaitJson(status(), "state", "offline", WITHIN);
    // the will is {"state":"offline"}; a clean stop says when
    assertThat(offline.getString("ts")).isNotNull();
    // states stay retained for late joiners
    try (TestMqtt late = TestMqtt.connect(broker.uri()).subscribe(phy("eth0", "state"))) {
      assertThat(late.awaitLast(phy("eth0", "state"), Received::retained, WITHIN).json().getString("reg"))
          .isEqualTo("REGISTERED");
    }
  }

  @Test
  void start_clearsRetainedStateOfPhysThatNoLongerExist(Vertx vertx) throws Exception {
    obs.publishRetained(phy("eth7", "state"), "{\"v\":1}");
    obs.awaitLast(phy("eth7", "state"), r -> !r.isEmpty(), WITHIN);

    deploy(vertx, agent(twoPhys()));

    obs.awaitLast(phy("eth7", "state"), Received::isEmpty, WITHIN);
  }

  @Test
  void afterABrokerRestart_restoresStateAndStatus_andDropsHoldsNobodyRepublished(Vertx vertx) throws Exception {
    try (EmbeddedBroker own = EmbeddedBroker.start(0)) {
      // GIVEN eth0 unregistering, held by a backend that will not come back
      PhyAgentVerticle v = new PhyAgentVerticle(twoPhys(), new MqttConfig(p),
          MqttSessionOptions.forBroker(own.uri(), "replaced").withBackoff(Duration.ofMillis(50), Duration.ofMillis(300)),
          registry, PhyAgentVerticle::defaultSource, Duration.ofMillis(100), Duration.ofMillis(300));
      deploy(vertx, v);
      try (TestMqtt before = TestMqtt.connect(own.uri()).subscribe(p + "/#")) {
        before.publishRetained(phy("eth0", "ref/virtio-net0"), hold("virtio-net0", "backend0"));
        await().atMost(WITHIN).until(() -> usage(v, "eth0") == 1);
        before.publish(phy("eth0", "cmd"), "{\"op\":\"unregister\"}");
        before.awaitJson(phy("eth0", "state"), "reg", "UNREGISTERING", WITHIN);
      }

      // WHEN the broker restarts with an empty store
      own.restart();

      // THEN the agent refills it, and the hold nobody re-published stops counting
      try (TestMqtt after = TestMqtt.connect(own.uri()).subscribe(p + "/#")) {
        after.awaitJson(status(), "state", "online", Duration.ofSeconds(20));
        after.awaitJson(phy("eth1", "state"), "reg", "REGISTERED", WITHIN);
        after.awaitLast(phy("eth0", "state"), Received::isEmpty, WITHIN);
        assertThat(usage(v, "eth0")).isZero();
      }
    }
  }

  @Test
  void netlinkSource_inAMissingNamespace_failsToStart_namingIt(Vertx vertx) {
    PhyAgentVerticle v = new PhyAgentVerticle(AgentConfig.netlink(AGENT, List.of()), new MqttConfig(p),
        MqttSessionOptions.forBroker(broker.uri(), "replaced"), registry,
        io.virtnet.agent.netlink.NetlinkPhySource.inNamespace(java.nio.file.Path.of("/var/run/netns/vnet-no-such-ns")),
        Duration.ofMillis(100), Duration.ofMillis(300));

    assertThatThrownBy(() -> vertx.deployVerticle(v).await(20, TimeUnit.SECONDS))
        .hasMessageContaining("vnet-no-such-ns");
  }
}
