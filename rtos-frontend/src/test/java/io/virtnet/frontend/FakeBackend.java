package io.virtnet.frontend;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.FrontendBinding;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Plays the virtnet-backend at the protocol level: publishes contract payloads built with the protocol
 * records, and records everything under the test's prefix.
 */
final class FakeBackend implements AutoCloseable {
  static final Duration WITHIN = Duration.ofSeconds(10);
  static final Set<VirtioFeature> ALL_FEATURES = EnumSet.of(VirtioFeature.STATUS, VirtioFeature.CTRL_VQ,
      VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MTU, VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX,
      VirtioFeature.VERSION_1);
  static final String MAC = "52:54:00:12:34:56";

  final TestMqtt mqtt;
  final Topics topics;

  private FakeBackend(TestMqtt mqtt, Topics topics) {
    this.mqtt = mqtt;
    this.topics = topics;
  }

  static FakeBackend connect(String brokerUri, String prefix) {
    return new FakeBackend(TestMqtt.connect(brokerUri).subscribe(prefix + "/#"), Topics.of(prefix));
  }

  static DeviceInfo device(String instance, int cpu, int irq) {
    return device(instance, cpu, irq, ALL_FEATURES);
  }

  static DeviceInfo device(String instance, int cpu, int irq, Set<VirtioFeature> features) {
    return new DeviceInfo(instance, cpu, irq, features, "eth0", "linux0", null);
  }

  static DeviceInfo qemuDevice(String instance, int cpu, int irq) {
    return qemuDevice(instance, cpu, irq, "unix:/tmp/qmp.sock", "nic0");
  }

  static DeviceInfo qemuDevice(String instance, int cpu, int irq, String qmp, String nic) {
    return new DeviceInfo(instance, cpu, irq, ALL_FEATURES, "eth0", "linux0", new FrontendBinding.Qemu(qmp, nic));
  }

  /** A config with the given status bits, MTU 1500, 1000 Mbit/s full duplex. */
  static VirtioNetConfig config(int status) {
    return new VirtioNetConfig(VirtioNetConfig.parseMac(MAC), status, 1, 1500, 1000, 1, 0, 0, 0);
  }

  static VirtioNetConfig linkUp() {
    return config(VirtioNetConfig.S_LINK_UP);
  }

  static VirtioNetConfig linkDown() {
    return config(0);
  }

  void publishDevice(DeviceInfo d) {
    mqtt.publish(topics.virtioDevice(d.instance()), Codecs.DEVICE.encode(d), true);
  }

  void unplug(String instance) {
    mqtt.publish(topics.virtioDevice(instance), new byte[0], true);
  }

  /** Writes the config (retained, as the backend does); subscribers already there get it live. */
  void writeConfig(String instance, long generation, VirtioNetConfig c) {
    mqtt.publish(topics.virtioConfig(instance), c.encodeWire(generation), true);
  }

  void irq(DeviceInfo d, long generation) {
    irq(d.cpu(), d.irq(), d.instance(), generation);
  }

  void irq(int cpu, int irq, String instance, long generation) {
    Instant now = Instant.now();
    IrqMessage m = new IrqMessage(irq, instance, VirtioNetConfig.ISR_CONFIG, generation, now, now);
    mqtt.publish(topics.rtosIrq(cpu), Codecs.IRQ.encode(m), false);
  }

  String linkTopic(DeviceInfo d) {
    return topics.rtosLink(d.cpu(), d.instance());
  }

  /** Waits until the last link view of {@code d} satisfies {@code p}. */
  JsonObject awaitLink(DeviceInfo d, Predicate<JsonObject> p) {
    return mqtt.awaitLast(linkTopic(d), r -> !r.isEmpty() && p.test(r.json()), WITHIN).json();
  }

  JsonObject awaitGeneration(DeviceInfo d, long generation) {
    return awaitLink(d, j -> j.getLong("generation") == generation);
  }

  /** The ctrl messages the frontend sent for {@code instance}. */
  List<JsonObject> ctrl(String instance) {
    return mqtt.received(topics.virtioCtrl(instance)).stream().map(TestMqtt.Received::json).toList();
  }

  List<JsonObject> driverFeatures(String instance) {
    return ctrl(instance).stream().filter(j -> j.containsKey("driverFeatures")).toList();
  }

  List<JsonObject> announceAcks(String instance) {
    return ctrl(instance).stream().filter(j -> j.getInteger("class", -1) == 3 && j.getInteger("cmd", -1) == 0).toList();
  }

  List<JsonObject> links(DeviceInfo d) {
    return mqtt.received(linkTopic(d)).stream().filter(r -> !r.isEmpty()).map(TestMqtt.Received::json).toList();
  }

  @Override
  public void close() {
    mqtt.close();
  }
}
