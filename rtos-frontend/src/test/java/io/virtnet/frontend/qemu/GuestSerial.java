package io.virtnet.frontend.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * What the {@link GuestImage}'s {@code /init} prints on its serial console, read by a thread tailing
 * the log file of each boot: {@code CARRIER <0|1>} lines, each stamped with {@link System#nanoTime()}
 * when read, and {@code GUEST READY}. Shared by every way of running the guest (plain QEMU, libvirt).
 */
public final class GuestSerial {
  private static final Pattern CARRIER = Pattern.compile("CARRIER ([01])");
  private static final String READY = "GUEST READY";

  /** One carrier line: which boot it came from, the value, and when the host read it. */
  public record CarrierLine(int boot, boolean up, long nanos) {}

  private final List<CarrierLine> carrier = new CopyOnWriteArrayList<>();
  private final List<Long> readyAt = new CopyOnWriteArrayList<>();
  private volatile Thread tailer;
  private volatile Path tailed;

  /** Starts tailing {@code log} (which may not exist yet) as boot number {@code boot}. */
  public void tail(Path log, int boot) {
    stop();
    tailed = log;
    Thread t = new Thread(() -> tailLoop(log, boot), "guest-serial-tail-" + boot);
    t.setDaemon(true);
    t.start();
    tailer = t;
  }

  /** Stops tailing (the VM is gone). */
  public void stop() {
    Thread t = tailer;
    if (t != null) {
      t.interrupt();
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The serial log of the boot tailed last, its lines joined by '|', for failure messages. */
  public String text() {
    Path log = tailed;
    if (log == null) {
      return "(no boot yet)";
    }
    try {
      return Files.readString(log, StandardCharsets.UTF_8).replace('\n', '|');
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  /** How many boots printed GUEST READY; {@link #readyAt(int)} gives when. */
  public int readyCount() {
    return readyAt.size();
  }

  /** When boot {@code boot} (1-based) printed GUEST READY, in nanoTime. */
  public long readyAt(int boot) {
    return readyAt.get(boot - 1);
  }

  /**
   * Waits for a carrier line matching {@code p} at index {@code from} or later; null on timeout. Lines
   * are stamped by the tail thread, so the poll interval here does not affect measured latencies.
   */
  public CarrierLine awaitCarrier(int from, Predicate<CarrierLine> p, Duration timeout) {
    try {
      return Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
          .until(() -> find(from, p), Objects::nonNull);
    } catch (ConditionTimeoutException e) {
      return null;
    }
  }

  private CarrierLine find(int from, Predicate<CarrierLine> p) {
    List<CarrierLine> lines = List.copyOf(carrier);
    for (int i = from; i < lines.size(); i++) {
      if (p.test(lines.get(i))) {
        return lines.get(i);
      }
    }
    return null;
  }

  public List<CarrierLine> carrierLines() {
    return List.copyOf(carrier);
  }

  /** The carrier values of one boot, in order. */
  public List<Boolean> carrierValues(int ofBoot) {
    return carrier.stream().filter(c -> c.boot() == ofBoot).map(CarrierLine::up).toList();
  }

  /** Polls the serial log every millisecond: QEMU appends to it unbuffered as the guest writes. */
  private void tailLoop(Path log, int ofBoot) {
    StringBuilder line = new StringBuilder();
    byte[] buf = new byte[8192];
    while (!log.toFile().exists() && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(1_000_000);
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long pos = 0;
      while (!Thread.currentThread().isInterrupted()) {
        int n = f.getChannel().position(pos).read(java.nio.ByteBuffer.wrap(buf));
        if (n <= 0) {
          LockSupport.parkNanos(1_000_000);
          continue;
        }
        long now = System.nanoTime();
        pos += n;
        for (int i = 0; i < n; i++) {
          char c = (char) (buf[i] & 0xff);
          if (c == '\n') {
            onLine(line.toString(), ofBoot, now);
            line.setLength(0);
          } else if (c != '\r') {
            line.append(c);
          }
        }
      }
    } catch (IOException e) {
      // the VM's log went away with its work dir: nothing more to tail
    }
  }

  private void onLine(String text, int ofBoot, long now) {
    Matcher m = CARRIER.matcher(text);
    if (m.find()) {
      carrier.add(new CarrierLine(ofBoot, "1".equals(m.group(1)), now));
    }
    if (text.contains(READY)) {
      while (readyAt.size() < ofBoot - 1) {
        readyAt.add(now); // a boot that never became ready (killed early) keeps the indices aligned
      }
      readyAt.add(now);
    }
  }

  /** The p-th percentile (0..100) of {@code nanos}, in milliseconds. */
  public static double percentileMs(List<Long> nanos, double p) {
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(null);
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx))) / 1e6;
  }
}
