package io.virtnet.injector.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the soak or the bench starts (a service jar, a broker, the launcher), its output in a log
 * file; shared by the chaos soak and the benchmarks, so it belongs to neither. {@link #kill()} is SIGKILL: no shutdown hook, no clean disconnect, so the broker publishes the
 * will; {@link #stop(Duration)} asks first.
 */
public final class ChildProcess {
  private final String name;
  private final Process process;

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
  }

  /** Wraps a process started elsewhere (one whose output the caller reads itself). */
  public static ChildProcess of(String name, Process process) {
    return new ChildProcess(name, process);
  }

  /** {@code command}, its output appended to {@code log}. */
  public static ChildProcess start(String name, List<String> command, Path log) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().remove("VNET_MQTT_PASSWORD");
    try {
      return new ChildProcess(name, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** {@code java -jar jar args…} with a small heap and quick start-up flags (as the system tests run the services). */
  public static ChildProcess java(String name, Path jar, List<String> args, Path log) {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx160m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString()));
    command.addAll(args);
    return start(name, command, log);
  }

  /** The {@code java} of the JVM running this code. */
  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, waiting until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    waitGone(Duration.ofSeconds(10));
  }

  /** SIGTERM, then SIGKILL after 8 s. */
  public void stop() {
    stop(Duration.ofSeconds(8));
  }

  /** SIGTERM, then SIGKILL after {@code bound}. */
  public void stop(Duration bound) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitGone(bound)) {
      kill();
    }
  }

  private boolean waitGone(Duration bound) {
    try {
      return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }

  /** A free TCP port on loopback, chosen before the process binds it. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until something accepts on 127.0.0.1:{@code port}, or the process died, or {@code bound} passed. */
  public static void awaitListening(ChildProcess p, int port, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.alive()) {
        throw new IllegalStateException(p.name + " exited before listening on " + port);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        p.waitGone(Duration.ofMillis(100)); // a pause that ends early if the process dies
      }
    }
    throw new IllegalStateException(p.name + " not listening on " + port + " within " + bound);
  }
}
