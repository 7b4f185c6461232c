package io.virtnet.frontend.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.virtnet.frontend.nic.NicLinkException;
import io.virtnet.frontend.nic.NicLinkForwarder;
import io.virtnet.frontend.qemu.GuestImage;
import io.virtnet.frontend.qemu.GuestSerial;
import io.virtnet.frontend.qemu.GuestTests;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * Linux's own {@code virtio_net} driver, in a tiny guest that libvirt runs, follows the link set
 * through libvirt ({@link LibvirtNicControl} under a {@link NicLinkForwarder}, as the libvirt driver
 * uses them), and every fault of libvirt's side recovers to the current state: an unknown interface,
 * the domain destroyed and created again (a new domain ID), libvirtd killed and restarted, libvirtd
 * hanging (SIGSTOP) while the event loop keeps running. Needs root, libvirt-daemon-system and the
 * guest image tools; without them it fails under {@code CI=true} and is skipped otherwise.
 */
@Tag("libvirt")
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class LibvirtGuestTest {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtGuestTest.class);
  private static final String GUEST = "libvirt guest";
  private static final int TOGGLES = 20;
  private static final String MAC = "52:54:00:7e:10:01";
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(5);
  /** Short, so the hang test is quick; still long enough for libvirt on a loaded 2-core machine. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

  private LibvirtHost host;
  private LibvirtVm vm;
  private LibvirtNicControl nic;
  private NicLinkForwarder forwarder;
  private String unavailableReason;

  @BeforeAll
  void bootGuest(Vertx vertx) throws Exception {
    if (LibvirtHost.missing().isPresent()) {
      unavailable(LibvirtHost.missing().get());
      return;
    }
    Path work = GuestTests.workDir("libvirt-guest-");
    GuestImage image;
    try {
      image = GuestImage.build(work);
      host = LibvirtHost.start(work);
    } catch (GuestImage.UnavailableException | IOException e) {
      unavailable(e.getMessage());
      return;
    }
    vm = new LibvirtVm(image, "vnet-guest-" + ProcessHandle.current().pid(), MAC);
    vm.start();
    LOG.info("libvirt guest booted in {} ms", vm.awaitReady(BOOT_TIMEOUT) / 1_000_000);
    nic = LibvirtNicControl.start(vertx, new LibvirtDomainClient.Options(LibvirtHost.URI, vm.name(), CALL_TIMEOUT,
        Duration.ofMillis(200)), MAC);
    forwarder = new NicLinkForwarder(vertx, nic);
    await().atMost(Duration.ofSeconds(10)).until(nic::connected);
  }

  @BeforeEach
  void requireGuest() {
    GuestTests.requireAvailable(GUEST, unavailableReason);
  }

  @AfterAll
  void stopAll() throws Exception {
    if (forwarder != null) {
      get(forwarder.close());
    }
    if (nic != null) {
      get(nic.release());
    }
    if (vm != null) {
      vm.close();
    }
    if (host != null) {
      host.close();
    }
  }

  @Test
  @Order(1)
  void guestCarrier_followsEveryLibvirtLinkUpdate_inOrder() throws Exception {
    int boot = vm.boot();
    assertThat(vm.carrierValues(boot)).containsExactly(true);

    GuestTests.Toggled toggled = GuestTests.toggle(vm, boot, true, TOGGLES, CHANGE_TIMEOUT, "update",
        up -> get(forwarder.setCarrier(up)), up -> { });
    List<Boolean> sent = new ArrayList<>(List.of(true));
    sent.addAll(toggled.sent());
    List<Long> latencies = toggled.nanos();

    assertThat(vm.carrierValues(boot)).containsExactlyElementsOf(sent);
    assertThat(forwarder.state().setLinkCalls()).isGreaterThanOrEqualTo(TOGGLES);
    LOG.info("libvirt link update -> guest carrier over {} changes: p50 {} ms, p99 {} ms, max {} ms", TOGGLES,
        GuestTests.ms(latencies, 50), GuestTests.ms(latencies, 99), GuestTests.ms(latencies, 100));
  }

  @Test
  @Order(2)
  void announce_isTakenByLibvirt_andAnUnknownInterfaceIsAClearError(Vertx vertx) throws Exception {
    AtomicInteger acks = new AtomicInteger();
    forwarder.announceHandler(v -> acks.incrementAndGet());

    get(forwarder.applyConfig(true, true));

    assertThat(acks).hasValue(1);
    LibvirtNicControl wrong = LibvirtNicControl.start(vertx, LibvirtHost.URI, vm.name(), "52:54:00:00:00:99");
    try {
      await().atMost(Duration.ofSeconds(10)).until(wrong::connected);
      Throwable refused = Assertions.assertThrows(ExecutionException.class, () -> get(wrong.setLink(false))).getCause();
      assertThat(refused).isInstanceOfSatisfying(NicLinkException.class, e -> {
        assertThat(e.reason()).isEqualTo(NicLinkException.Reason.ERROR_REPLY);
        assertThat(e.getMessage()).contains("no interface with MAC or target device '52:54:00:00:00:99'");
      });
      assertThat(wrong.connected()).as("a wrong interface is not a lost connection").isTrue();
    } finally {
      get(wrong.release());
    }
  }

  @Test
  @Order(3)
  void domainDestroyedAndCreatedAgain_getsTheCurrentStateAtOnce() throws Exception {
    get(forwarder.setCarrier(true));

    vm.destroy();
    await().atMost(CHANGE_TIMEOUT).until(() -> !nic.connected());
    assertThat(nic.status().getString("domainState")).isEqualTo("undefined");
    Assertions.assertThrows(ExecutionException.class, () -> get(forwarder.setCarrier(false)), "no domain to tell");
    vm.start();
    int boot = vm.boot();

    // a fresh NIC boots with its link up; the new domain (a new ID) is told "down" as soon as it runs
    GuestSerial.CarrierLine down = vm.awaitCarrier(0, l -> l.boot() == boot && !l.up(), BOOT_TIMEOUT);
    assertThat(down).as("guest carrier 0 on the new domain; serial: %s", vm.serialText()).isNotNull();
    await().atMost(CHANGE_TIMEOUT).until(() -> forwarder.state().inSync());
    assertThat(forwarder.state().told()).isFalse();
    LOG.info("domain re-created: carrier lines of the new boot {}", vm.carrierValues(boot));
  }

  @Test
  @Order(4)
  void libvirtdKilledAndRestarted_theDomainGetsTheStateSetMeanwhile() throws Exception {
    int boot = vm.boot();
    host.killLibvirtd();
    await().atMost(CHANGE_TIMEOUT).until(() -> !nic.connected());
    Assertions.assertThrows(ExecutionException.class, () -> get(forwarder.setCarrier(true)), "libvirtd is gone");
    int seen = vm.carrierLines().size();

    long t0 = System.nanoTime();
    host.startLibvirtd();

    GuestSerial.CarrierLine up = vm.awaitCarrier(seen, l -> l.boot() == boot && l.up(), CHANGE_TIMEOUT);
    assertThat(up).as("guest carrier 1 once libvirtd is back; serial: %s", vm.serialText()).isNotNull();
    LOG.info("libvirtd restart: guest carrier applied {} ms after libvirtd was started", (up.nanos() - t0) / 1_000_000);
  }

  @Test
  @Order(5)
  void libvirtdHanging_neverBlocksTheEventLoop_andTheStateLandsWhenItResumes(Vertx vertx) throws Exception {
    int boot = vm.boot();
    await().atMost(CHANGE_TIMEOUT).until(nic::connected);
    AtomicLong ticks = new AtomicLong();
    int seen = vm.carrierLines().size();
    long timer = vertx.setPeriodic(10, id -> ticks.incrementAndGet());
    long libvirtd = ProcessHandle.allProcesses().filter(h -> h.info().command().map(c -> c.endsWith("/libvirtd")).orElse(false))
        .findFirst().orElseThrow().pid();
    signal("STOP", libvirtd);
    try {
      long before = ticks.get();
      Throwable hung = Assertions.assertThrows(ExecutionException.class, () -> get(forwarder.setCarrier(false))).getCause();
      assertThat(hung).isInstanceOfSatisfying(NicLinkException.class,
          e -> assertThat(e.reason()).isEqualTo(NicLinkException.Reason.TIMEOUT));
      assertThat(ticks.get() - before).as("the event loop ran its timer while libvirt hung").isGreaterThan(10);
    } finally {
      signal("CONT", libvirtd);
      vertx.cancelTimer(timer);
    }
    GuestSerial.CarrierLine down = vm.awaitCarrier(seen, l -> l.boot() == boot && !l.up(), CHANGE_TIMEOUT);
    assertThat(down).as("guest carrier 0 once libvirtd resumed; serial: %s", vm.serialText()).isNotNull();
    await().atMost(CHANGE_TIMEOUT).until(() -> forwarder.state().inSync() && Boolean.FALSE.equals(forwarder.state().told()));
  }

  private static void signal(String sig, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0).as("kill -%s %d", sig, pid).isTrue();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private void unavailable(String reason) {
    unavailableReason = GuestTests.unavailable(GUEST, reason, LOG);
  }
}
