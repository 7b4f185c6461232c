package io.virtnet.frontend.qemu;

import static io.virtnet.frontend.qemu.QmpClientTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.virtnet.frontend.nic.NicLinkForwarder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux's own {@code virtio_net} driver, in a tiny QEMU guest, follows the link we set over QMP:
 * QEMU's virtio-net device model sets {@code VIRTIO_NET_S_LINK_UP} and raises the config interrupt,
 * the guest's config-change handler sets its carrier, and the guest prints it on the serial console.
 * Needs qemu-system-x86, busybox-static and cpio, and downloads the guest kernel package once into
 * {@code ~/.cache/virtnet-guest}. Without them the test fails under {@code CI=true} and is skipped
 * (with the reason) otherwise.
 */
@Tag("qemu")
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QemuGuestKernelTest {
  private static final Logger LOG = LoggerFactory.getLogger(QemuGuestKernelTest.class);
  private static final String GUEST = "QEMU guest";
  private static final int TOGGLES = 20;
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(5);

  private QemuVm vm;
  private QmpClient qmp;
  private NicLinkForwarder core;
  private String unavailableReason;

  @BeforeAll
  void bootGuest(Vertx vertx) throws Exception {
    if (QemuVm.missingQemu().isPresent()) {
      unavailable(QemuVm.missingQemu().get());
      return;
    }
    Path work = GuestTests.workDir("qemu-guest-");
    GuestImage image;
    long t0 = System.nanoTime();
    try {
      image = GuestImage.build(work);
    } catch (GuestImage.UnavailableException e) {
      unavailable("guest image: " + e.getMessage());
      return;
    }
    LOG.info("guest image ready in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, image);

    vm = new QemuVm(image, work);
    try {
      vm.start();
      long boot = vm.awaitReady(BOOT_TIMEOUT);
      LOG.info("guest booted (QEMU start to GUEST READY) in {} ms", boot / 1_000_000);
    } catch (IOException e) {
      unavailable("QEMU could not boot the guest: " + e.getMessage());
      return;
    }

    qmp = QmpClient.create(vertx, QmpOptions.of(vm.qmpAddress())
        .withReconnect(Duration.ofMillis(50), Duration.ofMillis(500)));
    core = new NicLinkForwarder(vertx, QmpNicControl.over(qmp, QemuVm.NIC_ID));
    get(qmp.start());
    await().atMost(Duration.ofSeconds(10)).until(qmp::connected);
  }

  /** Skips each test with the reason (an abort in @BeforeAll would hide it from the reports). */
  @BeforeEach
  void requireGuest() {
    GuestTests.requireAvailable(GUEST, unavailableReason);
  }

  @AfterAll
  void stopGuest() throws Exception {
    if (core != null) {
      get(core.close());
    }
    if (qmp != null) {
      get(qmp.close());
    }
    if (vm != null) {
      vm.close();
    }
  }

  @Test
  @Order(1)
  void guestCarrier_followsEveryQmpSetLink_inOrder() throws Exception {
    // GIVEN the guest up with carrier on (a fresh virtio-net NIC has its link up)
    int boot = vm.boot();
    assertThat(vm.carrierValues(boot)).containsExactly(true);

    // WHEN the link is toggled 20 times, each change once the guest showed the previous one
    GuestTests.Toggled toggled = GuestTests.toggle(vm, boot, true, TOGGLES, CHANGE_TIMEOUT, "set_link",
        up -> get(qmp.setLink(QemuVm.NIC_ID, up)), up -> { });

    // THEN the guest's carrier lines are exactly the changes, in order, ending at the last one
    List<Boolean> sent = new ArrayList<>(List.of(true));
    sent.addAll(toggled.sent());
    assertThat(vm.carrierValues(boot)).containsExactlyElementsOf(sent);
    assertThat(vm.carrierValues(boot).get(TOGGLES)).isEqualTo(toggled.last());
    List<Long> latencies = toggled.nanos();
    LOG.info("QMP set_link -> guest carrier over {} changes: p50 {} ms, p99 {} ms, max {} ms",
        TOGGLES, GuestTests.ms(latencies, 50), GuestTests.ms(latencies, 99), GuestTests.ms(latencies, 100));
  }

  @Test
  @Order(2)
  void qemuKilledAndRestarted_clientReconnects_andTheGuestGetsTheCurrentState() throws Exception {
    // GIVEN the driver core told the VM "up"
    get(core.setCarrier(true));
    long sessionsBefore = qmp.status().getLong("sessions");

    // WHEN QEMU is killed, the link goes down meanwhile, and QEMU is started again
    vm.kill();
    await().atMost(Duration.ofSeconds(5)).until(() -> !qmp.connected());
    Assertions.assertThrows(Exception.class, () -> get(core.setCarrier(false)), "no QMP while QEMU is gone");
    assertThat(core.state().desired()).isFalse();
    long t0 = System.nanoTime();
    vm.start();
    int boot = vm.boot();
    await().atMost(Duration.ofSeconds(10)).until(qmp::connected);
    long reconnectMs = (System.nanoTime() - t0) / 1_000_000;
    vm.awaitReady(BOOT_TIMEOUT);

    // THEN the new session re-applied "down" and the guest's driver shows it (and keeps showing it)
    await().atMost(Duration.ofSeconds(5)).until(() -> core.state().inSync());
    GuestSerial.CarrierLine down = vm.awaitCarrier(0, l -> l.boot() == boot && !l.up(), CHANGE_TIMEOUT);
    assertThat(down).as("guest carrier 0 after restart; serial: %s", vm.serialText()).isNotNull();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
        .until(() -> !vm.carrierValues(boot).get(vm.carrierValues(boot).size() - 1));
    assertThat(core.state().told()).isFalse();
    assertThat(qmp.status().getLong("sessions")).isEqualTo(sessionsBefore + 1);
    LOG.info("QEMU restart: QMP session back after {} ms; guest carrier lines of the new boot: {}",
        reconnectMs, vm.carrierValues(boot));

    // AND the link can be brought back up on the new VM
    int seen = vm.carrierLines().size();
    get(core.setCarrier(true));
    GuestSerial.CarrierLine up = vm.awaitCarrier(seen, l -> l.boot() == boot && l.up(), CHANGE_TIMEOUT);
    assertThat(up).as("guest carrier 1 on the restarted VM").isNotNull();
  }

  @Test
  @Order(3)
  void realQemu_acceptsAnnounceSelf_andRejectsAnUnknownNic() throws Exception {
    AtomicInteger acks = new AtomicInteger();
    core.announceHandler(v -> acks.incrementAndGet());

    get(core.applyConfig(true, true));

    assertThat(acks).hasValue(1);
    assertThat(core.state().announces()).isEqualTo(1);
    Throwable refused = Assertions.assertThrows(Exception.class, () -> get(qmp.setLink("nic9", false))).getCause();
    assertThat(refused).isInstanceOfSatisfying(QmpException.class, e -> {
      assertThat(e.reason()).isEqualTo(QmpException.Reason.ERROR_REPLY);
      assertThat(e.getMessage()).contains("nic9");
    });
    assertThat(qmp.connected()).isTrue();
  }

  /** Fails under CI (where QEMU must work); elsewhere every test is skipped with the reason. */
  private void unavailable(String reason) {
    unavailableReason = GuestTests.unavailable(GUEST, reason, LOG);
  }
}
