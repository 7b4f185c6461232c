package io.virtnet.frontend.qemu;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One QEMU VM running the {@link GuestImage} (TCG, PVH boot, virtio-net {@code nic0} on user
 * networking, QMP on a unix socket), with a thread tailing its serial log for the guest's
 * {@code CARRIER <0|1>} lines, each stamped with {@link System#nanoTime()} when read. Can be killed
 * (SIGKILL, as a crashed VM) and started again on the same QMP socket path.
 */
public final class QemuVm implements AutoCloseable, GuestTests.CarrierGuest {
  public static final String NIC_ID = "nic0";

  private final GuestImage image;
  private final Path workDir;
  private final Path qmpSocket;
  private final GuestSerial serial = new GuestSerial();
  private final List<Long> startedAt = new CopyOnWriteArrayList<>();
  private volatile Process process;
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
        "-append", GuestImage.CMDLINE,
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
    serial.tail(log, boot);
  }

  /** Waits for the current boot's "GUEST READY"; the boot time in nanoseconds, or fails with QEMU's output. */
  public long awaitReady(Duration timeout) throws IOException {
    int b = boot;
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(5))
          .until(() -> serial.readyCount() >= b || process == null || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new IOException("guest not ready within " + timeout + "; serial: " + serialText() + "; qemu: " + output());
    }
    if (serial.readyCount() < b) {
      throw new IOException("QEMU exited before the guest was ready: " + output());
    }
    return serial.readyAt(b) - startedAt.get(b - 1);
  }

  @Override
  public GuestSerial console() {
    return serial;
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
    serial.stop();
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

  private String output() {
    try {
      Path out = workDir.resolve("qemu-" + boot + ".out");
      return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8).trim() : "";
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }
}
