package io.virtnet.systemtests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the tests start (a service jar, mosquitto, a script), with its stdout and stderr in a log
 * file under target/system-tests-logs. {@link #close()} ends it: SIGTERM, then SIGKILL after a bound.
 */
public final class ServiceProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command}; {@code env} is added to (and may override) this JVM's environment. */
  public static ServiceProcess start(String name, List<String> command, Map<String, String> env) {
    Path log = RepoLayout.logDir().resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    // A password in our own environment must not leak into a service that was given none.
    pb.environment().remove("VNET_MQTT_PASSWORD");
    pb.environment().putAll(env);
    try {
      return new ServiceProcess(name, pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** Starts {@code java -jar jar args…} with a small heap and quick start-up flags. */
  public static ServiceProcess java(String name, Path jar, List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(List.of(RepoLayout.javaExecutable().toString(),
        "-Xmx160m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString()));
    command.addAll(args);
    return start(name, command, env);
  }

  public String name() {
    return name;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The operating-system process id. */
  public long pid() {
    return process.pid();
  }

  /**
   * Ends the process at once with SIGKILL (no shutdown hook, no clean MQTT disconnect: the broker
   * publishes its will) and waits until it is gone; returns its exit code (137 on Linux).
   */
  public int kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError(name + " survived SIGKILL for 10 s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  public Path logFile() {
    return log;
  }

  /** Everything the process printed so far. */
  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** The last lines of the output, for assertion messages. */
  public String tail() {
    String[] lines = output().split("\n");
    int from = Math.max(0, lines.length - 40);
    return "---- last lines of " + name + " (" + log + ") ----\n"
        + String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }

  /** Waits up to {@code bound} for the process to end by itself; returns its exit code. */
  public int waitFor(Duration bound) {
    try {
      if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not end within " + bound + "\n" + tail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(8, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
