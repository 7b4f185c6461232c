package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One backend node on the shared broker under a unique topic prefix, with a test client that plays
 * the agent and the frontend and records everything under the prefix.
 */
final class BackendFixture implements AutoCloseable {
  static final Duration WITHIN = Duration.ofSeconds(10);
  static final String AGENT = "linux0";

  final Vertx vertx;
  final EmbeddedBroker broker;
  final String prefix = TestMqtt.uniquePrefix();
  final Topics topics = Topics.of(prefix);
  final TestMqtt mqtt;
  final PrometheusMeterRegistry registry = MetricsRegistry.create();
  BackendNodeVerticle node;
  String deploymentId;

  BackendFixture(Vertx vertx, EmbeddedBroker broker) {
    this.vertx = vertx;
    this.broker = broker;
    this.mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
  }

  static InstanceConfig instance(String name, String phy, int cpu, int irq) {
    return new InstanceConfig(name, phy, AGENT, cpu, irq, null, InstanceConfig.DEFAULT_FEATURES, true,
        LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(0), null);
  }

  String nodeName() {
    return "b" + prefix.toLowerCase();
  }

  BackendFixture start(AgentLossPolicy onAgentLoss, InstanceConfig... instances) throws Exception {
    BackendConfig cfg = new BackendConfig(nodeName(), "127.0.0.1", 0, onAgentLoss, List.of(instances));
    node = new BackendNodeVerticle(cfg, new MqttConfig(prefix),
        MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry);
    deploymentId = vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    return this;
  }

  /** Starts with a frontend-view resync deadline of {@code resyncMs}. */
  BackendFixture startWithResync(long resyncMs, InstanceConfig... instances) throws Exception {
    BackendConfig cfg = new BackendConfig(nodeName(), "127.0.0.1", 0, AgentLossPolicy.DOWN, List.of(instances))
        .withResyncMs(resyncMs);
    node = new BackendNodeVerticle(cfg, new MqttConfig(prefix),
        MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry);
    deploymentId = vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    return this;
  }

  BackendFixture start(InstanceConfig... instances) throws Exception {
    return start(AgentLossPolicy.DOWN, instances);
  }

  void stop() throws Exception {
    if (deploymentId != null) {
      vertx.undeploy(deploymentId).await(20, TimeUnit.SECONDS);
      deploymentId = null;
    }
  }

  SimPhy phy(String ifname, int ifindex) {
    return new SimPhy(mqtt, topics, AGENT, ifname, ifindex);
  }

  // ---- the frontend's side ----

  void driverOk(String instance, Set<VirtioFeature> features) {
    mqtt.publish(topics.virtioCtrl(instance), Codecs.CTRL.encode(new CtrlMessage.DriverFeatures(features)), false);
  }

  void driverOk(String instance) {
    driverOk(instance, EnumSet.of(VirtioFeature.STATUS, VirtioFeature.CTRL_VQ, VirtioFeature.GUEST_ANNOUNCE,
        VirtioFeature.MTU, VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX, VirtioFeature.VERSION_1));
  }

  void announceAck(String instance) {
    mqtt.publish(topics.virtioCtrl(instance), Codecs.CTRL.encode(CtrlMessage.announceAck()), false);
  }

  void raw(String topic, String payload) {
    mqtt.publish(topic, payload);
  }

  void raw(String topic, byte[] payload, boolean retain) {
    mqtt.publish(topic, payload, retain);
  }

  // ---- what the backend published ----

  List<VirtioNetConfig.Generational> configs(String instance) {
    return mqtt.received(topics.virtioConfig(instance)).stream().filter(r -> !r.isEmpty())
        .map(r -> VirtioNetConfig.decodeWire(r.payload())).toList();
  }

  VirtioNetConfig.Generational lastConfig(String instance) {
    List<VirtioNetConfig.Generational> all = configs(instance);
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  VirtioNetConfig.Generational awaitConfig(String instance, Predicate<VirtioNetConfig> p) {
    TestMqtt.Received r = mqtt.awaitLast(topics.virtioConfig(instance),
        m -> !m.isEmpty() && p.test(VirtioNetConfig.decodeWire(m.payload()).config()), WITHIN);
    return VirtioNetConfig.decodeWire(r.payload());
  }

  VirtioNetConfig.Generational awaitLinkUp(String instance, boolean up) {
    return awaitConfig(instance, c -> c.linkUp() == up);
  }

  /** The IRQs listed for {@code instance} in the messages to {@code cpu}, in order. */
  List<Irq> irqs(int cpu, String instance) {
    return mqtt.received(topics.rtosIrq(cpu)).stream()
        .flatMap(r -> irqsOf(r, instance).stream()).toList();
  }

  private static List<Irq> irqsOf(TestMqtt.Received r, String instance) {
    return Codecs.IRQ.decode(r.payload()).irqs().stream().filter(i -> i.instance().equals(instance)).toList();
  }

  Irq awaitIrq(int cpu, String instance, Predicate<Irq> p) {
    TestMqtt.Received r = mqtt.awaitAny(topics.rtosIrq(cpu), m -> irqsOf(m, instance).stream().anyMatch(p), WITHIN);
    return irqsOf(r, instance).stream().filter(p).findFirst().orElseThrow();
  }

  /** The IRQ announcing {@code generation} arrives, and was published after that config. */
  Irq awaitIrqAfterConfig(int cpu, String instance, long generation) {
    Irq irq = awaitIrq(cpu, instance, i -> i.generation() == generation);
    assertThat(irq.isr()).isEqualTo(VirtioNetConfig.ISR_CONFIG);
    List<TestMqtt.Received> all = mqtt.received();
    int configAt = -1;
    int irqAt = -1;
    for (int i = 0; i < all.size(); i++) {
      TestMqtt.Received r = all.get(i);
      if (configAt < 0 && r.topic().equals(topics.virtioConfig(instance)) && !r.isEmpty()
          && VirtioNetConfig.decodeWire(r.payload()).generation() == generation) {
        configAt = i;
      }
      if (irqAt < 0 && r.topic().equals(topics.rtosIrq(cpu))
          && irqsOf(r, instance).stream().anyMatch(q -> q.generation() == generation)) {
        irqAt = i;
      }
    }
    assertThat(configAt).as("config of generation %d before its IRQ", generation).isBetween(0, irqAt);
    return irq;
  }

  String refTopic(String instance, String ifname) {
    return topics.phyRef(AGENT, ifname, instance);
  }

  /** Waits until the retained hold on {@code ifname} by {@code instance} is present (or released). */
  void awaitHold(String instance, String ifname, boolean held) {
    mqtt.awaitLast(refTopic(instance, ifname), r -> held != r.isEmpty(), WITHIN);
  }

  JsonObject snapshot(String instance) throws Exception {
    return node.api().instance(instance).await(10, TimeUnit.SECONDS);
  }

  JsonObject counters(String instance) throws Exception {
    return snapshot(instance).getJsonObject("counters");
  }

  /** Waits until the instance's counter {@code key} reached {@code atLeast}. */
  void awaitCounter(String instance, String key, long atLeast) {
    await().atMost(WITHIN).pollInterval(Duration.ofMillis(20))
        .until(() -> counters(instance).getLong(key) >= atLeast);
  }

  /** Waits for the first driver probe to be handled; returns the generation it wrote. */
  long awaitProbeGeneration(String instance) throws Exception {
    awaitCounter(instance, "driverProbes", 1);
    return snapshot(instance).getLong("generation");
  }

  @Override
  public void close() throws Exception {
    try {
      stop();
    } finally {
      mqtt.close();
    }
  }
}
