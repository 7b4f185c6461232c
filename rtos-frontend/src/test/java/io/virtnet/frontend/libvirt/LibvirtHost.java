package io.virtnet.frontend.libvirt;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.libvirt.Connect;

/**
 * libvirt's daemons for a test, started by hand as {@code ../shared/notes/libvirt.md} does it (no
 * systemd): virtlogd (a domain fails to start without it) and libvirtd, each with a pidfile of ours,
 * so the test can kill libvirtd (SIGKILL, as a crash) and start it again. A libvirtd already running
 * is adopted: it serves the test, and a restart replaces it with one of ours. Needs root
 * ({@code qemu:///system}) and Debian's libvirt-daemon-system.
 */
public final class LibvirtHost implements AutoCloseable {
  public static final String URI = "qemu:///system";
  private static final Path LIBVIRTD = Path.of("/usr/sbin/libvirtd");
  private static final Path VIRTLOGD = Path.of("/usr/sbin/virtlogd");
  private static final Duration UP_WITHIN = Duration.ofSeconds(30);

  private final Path workDir;
  private Long libvirtdPid;
  private Long virtlogdPid;

  private LibvirtHost(Path workDir) {
    this.workDir = workDir;
  }

  /** Empty if this machine can run the daemons, else why not. */
  public static Optional<String> missing() {
    if (!Files.isExecutable(LIBVIRTD) || !Files.isExecutable(VIRTLOGD)) {
      return Optional.of("libvirtd/virtlogd not installed (apt-get install --no-install-recommends libvirt-daemon-system "
          + "libvirt-clients libvirt-daemon-driver-qemu)");
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("qemu:///system needs root");
    }
    return Optional.empty();
  }

  /** Starts (or adopts) virtlogd and libvirtd; returns once libvirtd answers. */
  public static LibvirtHost start(Path workDir) throws IOException, InterruptedException {
    LibvirtHost host = new LibvirtHost(Files.createDirectories(workDir));
    host.virtlogdPid = running("virtlogd").orElse(null);
    if (host.virtlogdPid == null) {
      host.virtlogdPid = host.daemon(VIRTLOGD, "virtlogd");
    }
    host.libvirtdPid = running("libvirtd").orElse(null);
    if (host.libvirtdPid == null) {
      host.startLibvirtd();
    }
    host.awaitAnswering();
    return host;
  }

  /** SIGKILL to libvirtd (its domains keep running, as after a real crash); waits until it is gone. */
  public void killLibvirtd() throws InterruptedException {
    kill(libvirtdPid);
    libvirtdPid = null;
  }

  /** Starts libvirtd again; returns once it answers. */
  public void startLibvirtd() throws IOException, InterruptedException {
    libvirtdPid = daemon(LIBVIRTD, "libvirtd");
  }

  /** Waits until {@code qemu:///system} answers. */
  public void awaitAnswering() throws IOException {
    try {
      Awaitility.await().atMost(UP_WITHIN).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
        Connect c = new Connect(URI);
        c.close();
        return true;
      });
    } catch (ConditionTimeoutException e) {
      throw new IOException("libvirtd did not answer on " + URI + " within " + UP_WITHIN + ": " + log("libvirtd"));
    }
  }

  /** Stops the daemons this host started (an adopted libvirtd that was never restarted stays). */
  @Override
  public void close() throws InterruptedException {
    kill(libvirtdPid);
  }

  private long daemon(Path exe, String name) throws IOException, InterruptedException {
    Path pidFile = workDir.resolve(name + ".pid");
    Files.deleteIfExists(pidFile);
    Process p = new ProcessBuilder(exe.toString(), "-d", "-p", pidFile.toString())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve(name + ".log").toFile()))
        .start();
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(name + " did not daemonize: " + log(name));
    }
    try {
      Awaitility.await().atMost(UP_WITHIN).pollInterval(Duration.ofMillis(20))
          .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    } catch (ConditionTimeoutException e) {
      throw new IOException(name + " wrote no pidfile: " + log(name));
    }
    return Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
  }

  private static Optional<Long> running(String name) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().command().map(c -> c.endsWith("/" + name)).orElse(false))
        .map(ProcessHandle::pid).findFirst();
  }

  private static void kill(Long pid) throws InterruptedException {
    if (pid == null) {
      return;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isPresent()) {
      h.get().destroyForcibly();
      try {
        h.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("pid " + pid + " did not exit", e);
      }
    }
  }

  private String log(String name) {
    try {
      Path log = workDir.resolve(name + ".log");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).trim() : "(no log)";
    } catch (IOException e) {
      return "(" + e.getMessage() + ")";
    }
  }
}
