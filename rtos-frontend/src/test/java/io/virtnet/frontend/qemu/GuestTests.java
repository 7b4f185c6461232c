package io.virtnet.frontend.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;

/**
 * What the tests with a real guest kernel (under QEMU or libvirt, here and in the launcher's ITs)
 * share: the CI-or-skip rule, the carrier-toggle loop, the latency figures.
 */
public final class GuestTests {
  private GuestTests() {}

  /** A booted guest whose serial console reports its carrier. */
  public interface CarrierGuest {
    /** The guest's serial console, as tailed. */
    GuestSerial console();

    default List<GuestSerial.CarrierLine> carrierLines() {
      return console().carrierLines();
    }

    /** See {@link GuestSerial#awaitCarrier}. */
    default GuestSerial.CarrierLine awaitCarrier(int from, Predicate<GuestSerial.CarrierLine> p, Duration timeout) {
      return console().awaitCarrier(from, p, timeout);
    }

    /** The carrier values of one boot, in order. */
    default List<Boolean> carrierValues(int ofBoot) {
      return console().carrierValues(ofBoot);
    }

    /** The serial console so far, for failure messages. */
    default String serialText() {
      return console().text();
    }
  }

  /** One link change as the test makes it (a QMP set_link, a libvirt update, a sim cable pull…). */
  @FunctionalInterface
  public interface LinkChange {
    void apply(boolean up) throws Exception;
  }

  /** The changes made by {@link #toggle}, in order, and how long the guest took to show each. */
  public record Toggled(List<Boolean> sent, List<Long> nanos, List<Long> upNanos, List<Long> downNanos) {
    /** The last value sent. */
    public boolean last() {
      return sent.get(sent.size() - 1);
    }
  }

  /**
   * Fails under {@code CI=true} (where the guest must work); elsewhere logs and returns {@code reason},
   * for the caller to skip with ({@link #requireAvailable} or {@link #abort}).
   */
  public static String unavailable(String guest, String reason, Logger log) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true and the " + guest + " is unavailable: " + reason);
    }
    log.warn("{} unavailable, skipping: {}", guest, reason);
    return reason;
  }

  /** {@link #unavailable}, then aborts the running test with the reason. */
  public static void abort(String guest, String reason, Logger log) {
    Assumptions.abort(guest + " unavailable: " + unavailable(guest, reason, log));
  }

  /** Skips the test with the reason when the guest is unavailable ({@code unavailableReason} not null). */
  public static void requireAvailable(String guest, String unavailableReason) {
    Assumptions.assumeTrue(unavailableReason == null, () -> guest + " unavailable: " + unavailableReason);
  }

  /**
   * Flips the link {@code changes} times starting from {@code from}, each once the guest's boot
   * {@code boot} showed the previous one, asserting each line shows the value sent; {@code what}
   * names a change in the failure messages, {@code after} runs after each (more checks, or nothing).
   */
  public static Toggled toggle(CarrierGuest vm, int boot, boolean from, int changes, Duration timeout, String what,
      LinkChange change, LinkChange after) throws Exception {
    List<Boolean> sent = new ArrayList<>();
    List<Long> all = new ArrayList<>();
    List<Long> ups = new ArrayList<>();
    List<Long> downs = new ArrayList<>();
    boolean up = from;
    for (int i = 1; i <= changes; i++) {
      up = !up;
      boolean want = up;
      int seen = vm.carrierLines().size();
      long t0 = System.nanoTime();
      change.apply(want);
      sent.add(want);
      GuestSerial.CarrierLine line = vm.awaitCarrier(seen, l -> l.boot() == boot, timeout);
      assertThat(line).as("guest carrier after %s #%d (%s); serial: %s", what, i, want, vm.serialText()).isNotNull();
      assertThat(line.up()).as("guest carrier after %s #%d", what, i).isEqualTo(want);
      long latency = line.nanos() - t0;
      all.add(latency);
      (want ? ups : downs).add(latency);
      after.apply(want);
    }
    return new Toggled(sent, all, ups, downs);
  }

  /** The {@code percentile} of {@code nanos} in milliseconds, one decimal, for a log line. */
  public static String ms(List<Long> nanos, double percentile) {
    return String.format("%.1f", GuestSerial.percentileMs(nanos, percentile));
  }

  /** A new directory under the module's {@code target/} for one guest test's files (build log, serial logs). */
  public static Path workDir(String prefix) throws IOException {
    Path target = Path.of(System.getProperty("basedir", "."), "target");
    return Files.createTempDirectory(Files.createDirectories(target), prefix);
  }
}
