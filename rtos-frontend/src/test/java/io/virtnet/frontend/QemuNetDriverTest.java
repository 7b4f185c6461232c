package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.WITHIN;
import static io.virtnet.frontend.FakeBackend.device;
import static io.virtnet.frontend.FakeBackend.linkDown;
import static io.virtnet.frontend.FakeBackend.linkUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.frontend.driver.VmNicDriver;
import io.virtnet.frontend.qemu.FakeQmpServer;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU driver inside a real frontend node, against the embedded broker (playing the backend with
 * {@link FakeBackend}) and a fake QEMU monitor: a device bound to a VM's NIC is probed by the qemu
 * driver, its config becomes QMP calls, and QMP trouble shows in the view without touching other devices.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class QemuNetDriverTest {
  private static final long G = 1_000;

  @TempDir Path dir;

  private final List<FakeQmpServer> servers = new ArrayList<>();
  private FakeBackend backend;
  private FrontendNodeVerticle node;

  @BeforeEach
  void connectBackend(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String prefix = TestMqtt.uniquePrefix();
    backend = FakeBackend.connect(broker.uri(), prefix);
    node = new FrontendNodeVerticle(new FrontendConfig("fe-" + prefix, List.of(2, 3), FrontendConfig.DEFAULT_DRIVER_FEATURES),
        new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "ignored"), new SimpleMeterRegistry());
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (FakeQmpServer s : servers) {
      s.stop().await(5, TimeUnit.SECONDS);
    }
    if (backend != null) {
      backend.close();
    }
  }

  private FakeQmpServer qemu(Vertx vertx, String name) throws Exception {
    FakeQmpServer s = new FakeQmpServer(vertx, java.nio.file.Files.createDirectories(dir.resolve(name)));
    s.start().await(5, TimeUnit.SECONDS);
    servers.add(s);
    return s;
  }

  private static VirtioNetConfig linkUpAnnounce() {
    return FakeBackend.config(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE);
  }

  private static List<Boolean> setLinks(FakeQmpServer s, String nic) {
    return s.received("set_link").stream()
        .filter(c -> c.getJsonObject("arguments").getString("name").equals(nic))
        .map(c -> c.getJsonObject("arguments").getBoolean("up")).toList();
  }

  private static JsonObject qemuOf(JsonObject view) {
    return view.getJsonObject("qemu");
  }

  private JsonObject driver(String instance) throws Exception {
    return NodeSnapshots.driver(node, instance);
  }

  @Test
  void qemuBoundDevice_isProbedByTheQemuDriver_andLinkUpBecomesSetLink(Vertx vertx) throws Exception {
    FakeQmpServer vm = qemu(vertx, "vm1");
    DeviceInfo q = FakeBackend.qemuDevice("virtio-net5", 2, 45, vm.address(), "nic0");

    // WHEN the device is discovered with a link-up config
    backend.writeConfig(q.instance(), G, linkUp());
    backend.publishDevice(q);

    // THEN the VM is told "up" and the view says so, as the qemu driver
    JsonObject view = backend.awaitLink(q, j -> j.getBoolean("carrier") && qemuOf(j).getBoolean("qmpAnswered"));
    assertThat(view.getString("driver")).isEqualTo("qemu");
    assertThat(view.getLong("generation")).isEqualTo(G);
    assertThat(qemuOf(view).getBoolean("told")).isTrue();
    assertThat(qemuOf(view).getBoolean("qmpConnected")).isTrue();
    assertThat(qemuOf(view).getLong("setLinkCalls")).isEqualTo(1);
    assertThat(setLinks(vm, "nic0")).containsExactly(true);
    // DRIVER_OK with what QEMU's model acts on (VERSION_1 is the guest's business)
    await().atMost(WITHIN).until(() -> !backend.driverFeatures(q.instance()).isEmpty());
    assertThat(backend.driverFeatures(q.instance()).get(0).getJsonArray("driverFeatures").getList())
        .containsExactlyInAnyOrderElementsOf(VmNicDriver.OFFERED.stream().map(Enum::name).toList());

    // WHEN the cable is pulled (config then IRQ, as the backend does)
    backend.writeConfig(q.instance(), G + 1, linkDown());
    backend.irq(q, G + 1);

    // THEN set_link false, and the view follows what the VM was told
    view = backend.awaitLink(q, j -> j.getLong("generation") == G + 1 && !j.getBoolean("carrier"));
    assertThat(qemuOf(view).getBoolean("told")).isFalse();
    assertThat(setLinks(vm, "nic0")).containsExactly(true, false);
    JsonObject drv = driver(q.instance());
    assertThat(drv.getString("driver")).isEqualTo("qemu");
    assertThat(drv.getJsonObject("qemu").getBoolean("inSync")).isTrue();
    assertThat(drv.getJsonObject("qmp").getBoolean("connected")).isTrue();
  }

  @Test
  void risingAnnounce_callsAnnounceSelf_thenAcksToTheBackend(Vertx vertx) throws Exception {
    AtomicLong announceSelfAt = new AtomicLong();
    FakeQmpServer vm = qemu(vertx, "vm1").behaviour(cmd -> {
      if ("announce-self".equals(cmd.getString("execute"))) {
        announceSelfAt.set(System.nanoTime());
        return FakeQmpServer.Reply.ok().after(100);
      }
      return FakeQmpServer.Reply.ok();
    });
    DeviceInfo q = FakeBackend.qemuDevice("virtio-net5", 2, 45, vm.address(), "nic0");
    backend.writeConfig(q.instance(), G, linkDown());
    backend.publishDevice(q);
    backend.awaitLink(q, j -> qemuOf(j).getBoolean("qmpAnswered") && Boolean.FALSE.equals(qemuOf(j).getValue("told")));

    // WHEN the link comes up with ANNOUNCE (and the backend repeats ANNOUNCE until it hears the ACK)
    backend.writeConfig(q.instance(), G + 1, linkUpAnnounce());
    backend.irq(q, G + 1);

    // THEN set_link up, then announce-self, and only after QEMU answered it the ACK
    JsonObject view = backend.awaitLink(q, j -> j.getLong("announces") == 1);
    TestMqtt.Received ack = backend.mqtt.awaitAny(backend.topics.virtioCtrl(q.instance()),
        r -> r.json().getInteger("class", -1) == 3 && r.json().getInteger("cmd", -1) == 0, WITHIN);
    assertThat(ack.receivedNanos()).isGreaterThan(announceSelfAt.get() + 90_000_000L);
    assertThat(view.getBoolean("carrier")).isTrue();
    assertThat(qemuOf(view).getLong("announces")).isEqualTo(1);
    List<String> calls = vm.received().stream().map(c -> c.getString("execute")).toList();
    assertThat(calls).containsSubsequence("set_link", "set_link", "announce-self");

    // a config that still carries ANNOUNCE (no rise) asks for no second announce
    backend.writeConfig(q.instance(), G + 2, linkUpAnnounce());
    backend.irq(q, G + 2);
    backend.awaitGeneration(q, G + 2);
    backend.writeConfig(q.instance(), G + 3, linkUp());
    backend.irq(q, G + 3);
    backend.awaitGeneration(q, G + 3);
    assertThat(vm.received("announce-self")).hasSize(1);
    assertThat(backend.announceAcks(q.instance())).hasSize(1);
  }

  @Test
  void qmpGone_viewShowsIt_andTheCurrentStateIsReappliedWhenQemuIsBack(Vertx vertx) throws Exception {
    FakeQmpServer vm = qemu(vertx, "vm1");
    DeviceInfo q = FakeBackend.qemuDevice("virtio-net5", 2, 45, vm.address(), "nic0");
    backend.writeConfig(q.instance(), G, linkUp());
    backend.publishDevice(q);
    backend.awaitLink(q, j -> j.getBoolean("carrier"));

    // WHEN QEMU goes away
    vm.stop().await(5, TimeUnit.SECONDS);

    // THEN the view says QMP is down, still showing what the VM was last told
    JsonObject down = backend.awaitLink(q, j -> !qemuOf(j).getBoolean("qmpConnected"));
    assertThat(down.getBoolean("carrier")).isTrue();
    assertThat(qemuOf(down).getString("lastError")).isNotBlank();

    // WHEN the cable is pulled meanwhile
    backend.writeConfig(q.instance(), G + 1, linkDown());
    backend.irq(q, G + 1);
    JsonObject pending = backend.awaitGeneration(q, G + 1);
    assertThat(pending.getBoolean("carrier")).as("the VM was not told yet").isTrue();

    // AND QEMU comes back (a new VM on the same socket)
    vm.start().await(5, TimeUnit.SECONDS);

    // THEN the new session gets the current state, and the view follows
    JsonObject back = backend.awaitLink(q, j -> qemuOf(j).getBoolean("qmpConnected") && !j.getBoolean("carrier"));
    assertThat(qemuOf(back).getBoolean("told")).isFalse();
    assertThat(setLinks(vm, "nic0")).containsExactly(true, false);
    assertThat(vm.accepted()).isEqualTo(2);
  }

  @Test
  void missingSilentOrRefusingQemu_neverBlocksAnotherDeviceOnTheSameCpu(Vertx vertx) throws Exception {
    FakeQmpServer silent = qemu(vertx, "silent").behaviour(cmd -> FakeQmpServer.Reply.silence());
    FakeQmpServer refusing = qemu(vertx, "refusing")
        .behaviour(cmd -> FakeQmpServer.Reply.error("DeviceNotFound", "Device 'nic9' not found"));
    DeviceInfo missing = FakeBackend.qemuDevice("virtio-net5", 2, 45, "unix:" + dir.resolve("nobody.sock"), "nic0");
    DeviceInfo slow = FakeBackend.qemuDevice("virtio-net6", 2, 46, silent.address(), "nic0");
    DeviceInfo wrong = FakeBackend.qemuDevice("virtio-net7", 2, 47, refusing.address(), "nic9");
    DeviceInfo plain = device("virtio-net0", 2, 42);
    for (DeviceInfo d : List.of(missing, slow, wrong, plain)) {
      backend.writeConfig(d.instance(), G, linkUp());
      backend.publishDevice(d);
    }

    // THEN the plain virtio device follows its link at once, down and up
    backend.awaitLink(plain, j -> j.getBoolean("carrier") && j.getString("driver").equals("virtio"));
    backend.writeConfig(plain.instance(), G + 1, linkDown());
    backend.irq(plain, G + 1);
    assertThat(backend.awaitGeneration(plain, G + 1).getBoolean("carrier")).isFalse();
    backend.writeConfig(plain.instance(), G + 2, linkUp());
    backend.irq(plain, G + 2);
    assertThat(backend.awaitGeneration(plain, G + 2).getBoolean("carrier")).isTrue();

    // AND each QEMU device shows its trouble: not started, no reply, error reply
    JsonObject m = backend.awaitLink(missing, j -> j.getLong("generation") == G);
    assertThat(m.getBoolean("carrier")).isFalse();
    assertThat(qemuOf(m).getBoolean("qmpConnected")).isFalse();
    assertThat(qemuOf(m).getValue("told")).isNull();
    JsonObject s = backend.awaitLink(slow, j -> qemuOf(j).getString("lastError", "").contains("no reply"));
    assertThat(s.getBoolean("carrier")).isFalse();
    assertThat(qemuOf(s).getBoolean("qmpAnswered")).isFalse();
    JsonObject w = backend.awaitLink(wrong, j -> qemuOf(j).getString("lastError", "").contains("DeviceNotFound"));
    assertThat(w.getBoolean("carrier")).isFalse();
    assertThat(qemuOf(w).getBoolean("qmpConnected")).isTrue();
    JsonObject snap = driver(missing.instance());
    assertThat(snap.getJsonObject("qmp").getString("lastError")).contains("nobody.sock");

    // AND hot-unplug removes a QEMU driver and its view like any other
    backend.unplug(wrong.instance());
    backend.mqtt.awaitLast(backend.linkTopic(wrong), TestMqtt.Received::isEmpty, WITHIN);
    await().atMost(WITHIN).until(() -> driver(wrong.instance()) == null);
    assertThat(driver(plain.instance()).getBoolean("carrier")).isTrue();
  }

  @Test
  void withoutStatus_theVmLinkIsAlwaysUp(Vertx vertx) throws Exception {
    FakeQmpServer vm = qemu(vertx, "vm1");
    DeviceInfo q = new DeviceInfo("virtio-net5", 3, 45, java.util.EnumSet.of(VirtioFeature.MAC), "eth0", "linux0",
        new io.virtnet.protocol.FrontendBinding.Qemu(vm.address(), "nic0"));
    backend.writeConfig(q.instance(), G, linkDown());
    backend.publishDevice(q);
    JsonObject view = backend.awaitLink(q, j -> qemuOf(j).getBoolean("qmpAnswered"));
    assertThat(view.getBoolean("carrier")).as("spec: without STATUS the link is up").isTrue();
    assertThat(setLinks(vm, "nic0")).containsExactly(true);
  }
}
