package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import io.virtnet.runtime.retained.RetainedOwnership;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import io.virtnet.testsupport.TestMqtt.Received;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent owns its retained {@code state} and {@code status} topics (docs/contract.md §3): what
 * another client clears or forges there is put right, and two agents claiming one name report the
 * conflict and back off. On the real broker.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class RetainedTruthTest {
  /** The contract's bound for any one forged or lost message. */
  private static final Duration CONVERGE = Duration.ofSeconds(5);
  private static final Duration WITHIN = Duration.ofSeconds(10);
  private static final String AGENT = "linux0";
  private static final RetainedOwnership.Policy FAST = new RetainedOwnership.Policy(3, Duration.ofSeconds(5),
      Duration.ofMillis(100), Duration.ofMillis(500));

  private String p;
  private TestMqtt obs;
  private EmbeddedBroker broker;

  @BeforeEach
  void setUp(EmbeddedBroker broker) {
    this.broker = broker;
    p = TestMqtt.uniquePrefix();
    obs = TestMqtt.connect(broker.uri()).subscribe(p + "/#");
  }

  @AfterEach
  void tearDown() {
    obs.close();
  }

  private static AgentConfig twoPhys() {
    return AgentConfig.sim(AGENT, List.of(
        new SimPhyConfig("eth0", "52:54:00:12:34:56", 1500, 1000, Duplex.FULL, true, true, true),
        new SimPhyConfig("eth1", "52:54:00:12:34:57", 1500, 1000, Duplex.FULL, false, false, true)));
  }

  private PhyAgentVerticle deploy(Vertx vertx, MeterRegistry registry) throws Exception {
    PhyAgentVerticle v = new PhyAgentVerticle(twoPhys(), new MqttConfig(p),
        MqttSessionOptions.forBroker(broker.uri(), "replaced"), registry, PhyAgentVerticle::defaultSource,
        Duration.ofMillis(100), Duration.ofMillis(300)).ownershipPolicy(FAST);
    vertx.deployVerticle(v).await(20, TimeUnit.SECONDS);
    return v;
  }

  private String phy(String ifname, String leaf) {
    return p + "/phy/" + AGENT + "/" + ifname + "/" + leaf;
  }

  private String status() {
    return p + "/phy/" + AGENT + "/status";
  }

  private static double repairs(MeterRegistry registry, String kind) {
    return registry.find("vnet_repairs").tag("kind", kind).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static double allRepairs(MeterRegistry registry) {
    return registry.find("vnet_repairs").counters().stream().mapToDouble(Counter::count).sum();
  }

  /** What a client subscribing now is handed as the retained value of {@code topic}. */
  private String retainedNow(String topic) {
    try (TestMqtt late = TestMqtt.connect(broker.uri()).subscribe(topic)) {
      return late.awaitLast(topic, Received::retained, WITHIN).text();
    }
  }

  private static boolean degraded(PhyAgentVerticle v) throws Exception {
    return v.health().await(5, TimeUnit.SECONDS).degraded();
  }

  @Test
  void anOutsideRetainedClearOfState_isReassertedAtOnce(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PhyAgentVerticle agent = deploy(vertx, registry);
    obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);
    String truth = obs.last(phy("eth0", "state")).orElseThrow().text();
    obs.clear();

    // WHEN another client clears it (mosquitto_pub -r -n -t …/eth0/state)
    obs.publish(phy("eth0", "state"), new byte[0], true);

    // THEN the agent's value is back, in the store too (HiveMQ does not order deliveries across
    // publishers: the clear may reach this observer after the repair, so look for the repair itself)
    obs.awaitAny(phy("eth0", "state"), r -> r.text().equals(truth), CONVERGE);
    assertThat(retainedNow(phy("eth0", "state"))).isEqualTo(truth);
    assertThat(repairs(registry, "state-reasserted")).isEqualTo(1);
    assertThat(degraded(agent)).isFalse();
    assertThat(registry.get("vnet_agent_degraded").gauge().value()).isZero();
  }

  @Test
  void aForgedRetainedState_isReplacedByTheTruth(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    deploy(vertx, registry);
    JsonObject truth = obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);
    JsonObject forged = truth.copy().put("carrier", false).put("operstate", "LOWERLAYERDOWN")
        .put("seq", truth.getLong("seq") + 1);

    obs.clear();

    obs.publishRetained(phy("eth0", "state"), forged.encode());

    obs.awaitAny(phy("eth0", "state"), r -> !r.isEmpty() && r.json().equals(truth), CONVERGE);
    assertThat(new JsonObject(retainedNow(phy("eth0", "state")))).isEqualTo(truth);
    assertThat(repairs(registry, "state-reasserted")).isEqualTo(1);
  }

  @Test
  void aForgedStateOfADeviceThatDoesNotExist_isCleared(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    deploy(vertx, registry);
    JsonObject eth0 = obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);

    obs.clear();

    obs.publishRetained(phy("eth7", "state"), eth0.copy().put("ifname", "eth7").encode());

    obs.awaitAny(phy("eth7", "state"), Received::isEmpty, CONVERGE);
    await().atMost(WITHIN).until(() -> repairs(registry, "state-reasserted") == 1);
  }

  @Test
  void anOutsideClearOrForgeryOfStatus_isReassertedOnline(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    deploy(vertx, registry);
    obs.awaitJson(status(), "state", "online", WITHIN);
    obs.clear();

    obs.publish(status(), new byte[0], true);
    obs.awaitAny(status(), r -> !r.isEmpty() && "online".equals(r.json().getString("state")), CONVERGE);
    await().atMost(WITHIN).until(() -> repairs(registry, "status-reasserted") == 1);
    obs.clear();
    // a forged will: the agent is alive
    obs.publishRetained(status(), "{\"state\":\"offline\"}");
    obs.awaitAny(status(), r -> !r.isEmpty() && "online".equals(r.json().getString("state")), CONVERGE);

    assertThat(new JsonObject(retainedNow(status())).getString("state")).isEqualTo("online");
    assertThat(repairs(registry, "status-reasserted")).isEqualTo(2);
  }

  @Test
  void twoAgentsOfOneName_bothReportTheConflict_andBackOffInsteadOfOverwritingInALoop(Vertx vertx) throws Exception {
    // GIVEN agent linux0 running, WHEN a second linux0 starts (another host, same name)
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    PhyAgentVerticle a = deploy(vertx, first);
    obs.awaitJson(status(), "state", "online", WITHIN);
    PhyAgentVerticle b = deploy(vertx, second);

    // THEN both report the conflict
    await().atMost(WITHIN).until(() -> degraded(a) && degraded(b));
    assertThat(first.find("vnet_ownership_conflicts").counters()).isNotEmpty();
    assertThat(second.find("vnet_ownership_conflicts").counters()).isNotEmpty();
    // which of its topics each agent sees overwritten first is a race; each sees its status overwritten in time
    await().atMost(WITHIN).until(() -> a.health().await(5, TimeUnit.SECONDS).conflicts().contains(status()));
    assertThat(first.get("vnet_agent_degraded").gauge().value()).isEqualTo(1);
    assertThat(second.get("vnet_agent_degraded").gauge().value()).isEqualTo(1);
    double before = allRepairs(first) + allRepairs(second);

    // AND while they keep disagreeing, they re-assert with backoff (at most every 500 ms per topic here),
    // not as fast as the broker echoes (thousands per second)
    await().during(Duration.ofSeconds(3)).atMost(WITHIN).until(() -> degraded(a) && degraded(b));
    double during = allRepairs(first) + allRepairs(second) - before;
    // 3 topics × 2 agents, each at most once per 100, 200, 400, 500, 500 … ms over about 3 s
    assertThat(during).isLessThanOrEqualTo(3 * 2 * 10);
  }

  @Test
  void forgedEventsAndStaleOrDuplicateCommands_neverMoveTheAgentsState(Vertx vertx) throws Exception {
    // a stale command kept by the broker (it would be replayed at every restart): refused
    obs.publish(phy("eth1", "cmd"), "{\"op\":\"admin\",\"value\":true}".getBytes(), true);
    obs.awaitLast(phy("eth1", "cmd"), r -> true, WITHIN);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    deploy(vertx, registry);
    JsonObject up = obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);
    long seq = up.getLong("seq");

    // events the agent did not send: stale, a duplicate of its seq, one from the far future, one retained
    JsonObject down = up.copy().put("event", "NETDEV_CHANGE").put("carrier", false)
        .put("operstate", "LOWERLAYERDOWN").put("carrierDownCount", 7);
    obs.publish(phy("eth0", "event"), down.copy().put("seq", seq - 1).encode());
    obs.publish(phy("eth0", "event"), down.copy().put("seq", seq).encode());
    obs.publish(phy("eth0", "event"), down.copy().put("seq", Long.MAX_VALUE / 2).encode());
    obs.publish(phy("eth0", "event"), down.copy().put("seq", seq + 1).encode().getBytes(), true);
    // a duplicated command: the second changes nothing, as the kernel's netif_carrier_off
    obs.publish(phy("eth0", "cmd"), "{\"op\":\"carrier\",\"value\":false}");
    obs.publish(phy("eth0", "cmd"), "{\"op\":\"carrier\",\"value\":false}");
    // a marker: a real change after all of that
    obs.publish(phy("eth0", "cmd"), "{\"op\":\"mtu\",\"value\":9000}");
    obs.awaitJson(phy("eth0", "event"), "event", "NETDEV_CHANGEMTU", WITHIN);

    // THEN the state moved only by the agent's own commands: one carrier loss, then the MTU
    JsonObject state = obs.awaitJson(phy("eth0", "state"), "mtu", 9000, WITHIN);
    assertThat(state.getBoolean("carrier")).isFalse();
    assertThat(state.getLong("carrierDownCount")).isEqualTo(1);
    assertThat(state.getLong("seq")).isGreaterThan(seq).isLessThan(Long.MAX_VALUE / 2);
    List<Long> agentChanges = obs.received(phy("eth0", "event")).stream().map(Received::json)
        .filter(e -> e.getString("event").equals("NETDEV_CHANGE") && e.getLong("carrierDownCount") == 1)
        .map(e -> e.getLong("seq")).toList();
    assertThat(agentChanges).hasSize(1);
    assertThat(obs.received(phy("eth0", "state"))).allSatisfy(r -> assertThat(r.json().getLong("carrierDownCount"))
        .isLessThanOrEqualTo(1));
    assertThat(new JsonObject(retainedNow(phy("eth0", "state")))).isEqualTo(state);
    assertThat(new JsonObject(retainedNow(phy("eth1", "state"))).getString("operstate")).isEqualTo("DOWN");
    assertThat(registry.find("vnet_rejected_messages").tag("reason", "retained-command").counter().count())
        .isEqualTo(1);
    assertThat(allRepairs(registry)).isZero();
    obs.publish(phy("eth1", "cmd"), new byte[0], true);
  }

  @Test
  void aStormOfTheAgentsOwnChanges_isNotTakenForAnotherWriter(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PhyAgentVerticle agent = deploy(vertx, registry);
    obs.awaitJson(phy("eth0", "state"), "operstate", "UP", WITHIN);

    // 500 flaps as fast as the client sends them: the agent publishes faster than its echoes come back
    for (int i = 0; i < 500; i++) {
      obs.publish(phy("eth0", "cmd"), "{\"op\":\"carrier\",\"value\":false}");
      obs.publish(phy("eth0", "cmd"), "{\"op\":\"carrier\",\"value\":true}");
    }
    obs.awaitLast(phy("eth0", "state"), r -> !r.isEmpty() && r.json().getLong("carrierUpCount") == 500, WITHIN);

    assertThat(allRepairs(registry)).isZero();
    assertThat(degraded(agent)).isFalse();
  }
}
