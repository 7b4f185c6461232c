package io.virtnet.frontend.qemu;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One QEMU VM running the {@link GuestImage} (TCG, PVH boot, virtio-net {@code nic0} on user
 * networking, QMP on a unix socket), with a thread tailing its serial log for the guest's
 * {@code CARRIER <0|1>} lines, each stamped with {@link System#nanoTime()} when read. Can be killed
 * (SIGKILL, as a crashed VM) and started again on the same QMP socket path.
 */
public final class QemuVm implements AutoCloseable {
  public static final String NIC_ID = "nic0";
  private static final Pattern CARRIER = Pattern.compile("CARRIER ([01])");
  private static final String READY = "GUEST READY";

  /** One carrier line: which boot it came from, the value, and when the host read it. */
  public record CarrierLine(int boot, boolean up, long nanos) {}

  private final GuestImage image;
  private final Path workDir;
  private final Path qmpSocket;
  private final List<CarrierLine> carrier = new CopyOnWriteArrayList<>();
  private final List<Long> readyAt = new CopyOnWriteArrayList<>();
  private final List<Long> startedAt = new CopyOnWriteArrayList<>();
  private volatile Process process;
  private volatile Thread tailer;
  private volatile int boot;
  private boolean hookInstalled;

  public QemuVm(GuestImage image, Path workDir) {
    this.image = image;
    this.workDir = workDir;
    this.qmpSocket = workDir.resolve("qmp.sock");
  }

  /** Whether {@code qemu-system-x86_64} is on the PATH; empty if so, else the reason. */
  public static Optional<String> missingQemu() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "qemu-system-x86_64"))) {
        return Optional.empty();
      }
    }
    return Optional.of("qemu-system-x86_64 not found on PATH (apt-get install --no-install-recommends qemu-system-x86)");
  }

  public String qmpAddress() {
    return "unix:" + qmpSocket;
  }

  /** Boots the VM (a new boot number, a new serial log); returns at once. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("VM already running");
    }
    boot++;
    Files.createDirectories(workDir);
    Files.deleteIfExists(qmpSocket);
    Path log = workDir.resolve("serial-" + boot + ".log");
    Files.deleteIfExists(log);
    Files.createFile(log);
    List<String> cmd = List.of(
        "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
        "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
        "-append", "console=ttyS0 quiet panic=-1",
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=" + NIC_ID + ",romfile=",
        "-qmp", "unix:" + qmpSocket + ",server,nowait",
        "-serial", "file:" + log);
    startedAt.add(System.nanoTime());
    process = new ProcessBuilder(cmd)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(workDir.resolve("qemu-" + boot + ".out").toFile())
        .start();
    if (!hookInstalled) {
      // a test JVM that dies without @AfterAll must not leave a VM burning a core
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        Process p = process;
        if (p != null) {
          p.destroyForcibly();
        }
      }, "qemu-vm-reaper"));
      hookInstalled = true;
    }
    int thisBoot = boot;
    Thread t = new Thread(() -> tail(log, thisBoot), "qemu-serial-tail-" + thisBoot);
    t.setDaemon(true);
    t.start();
    tailer = t;
  }

  /** Waits for the current boot's "GUEST READY"; the boot time in nanoseconds, or fails with QEMU's output. */
  public long awaitReady(Duration timeout) throws IOException {
    int b = boot;
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(5))
          .until(() -> readyAt.size() >= b || process == null || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new IOException("guest not ready within " + timeout + "; serial: " + serial() + "; qemu: " + output());
    }
    if (readyAt.size() < b) {
      throw new IOException("QEMU exited before the guest was ready: " + output());
    }
    return readyAt.get(b - 1) - startedAt.get(b - 1);
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

  public int boot() {
    return boot;
  }

  /** SIGKILL, as a VM that crashed or was killed by its operator; waits until it is gone. */
  public synchronized void kill() throws InterruptedException {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    Thread t = tailer;
    if (t != null) {
      t.interrupt();
      t.join(2_000);
    }
  }

  /** Kills the VM and boots it again with the same QMP socket path. */
  public void restart() throws IOException, InterruptedException {
    kill();
    start();
  }

  @Override
  public void close() {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String serial() {
    try {
      return Files.readString(workDir.resolve("serial-" + boot + ".log"), StandardCharsets.UTF_8).replace('\n', '|');
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  private String output() {
    try {
      Path out = workDir.resolve("qemu-" + boot + ".out");
      return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8).trim() : "";
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }

  /** Polls the serial log every millisecond: QEMU appends to it unbuffered as the guest writes. */
  private void tail(Path log, int ofBoot) {
    StringBuilder line = new StringBuilder();
    byte[] buf = new byte[8192];
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
