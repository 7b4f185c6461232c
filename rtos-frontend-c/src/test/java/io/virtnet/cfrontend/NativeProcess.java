package io.virtnet.cfrontend;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A process of the test (the launcher, the C frontend), its output in a log file that the test can await. */
final class NativeProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private NativeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static NativeProcess start(String name, Path dir, List<String> command, Map<String, String> env) {
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    try {
      return new NativeProcess(name, pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the output holds {@code text} at least {@code times} times, failing fast if the process dies. */
  void awaitOutput(String text, int times, Duration within) {
    await(name + " prints '" + text + "' x" + times).atMost(within).pollInterval(Duration.ofMillis(50))
        .failFast(name + " exited:\n" + tail(), () -> !process.isAlive())
        .until(() -> count(output(), text) >= times);
  }

  static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  String tail() {
    String out = output();
    return "--- " + name + " ---\n" + (out.length() > 4000 ? out.substring(out.length() - 4000) : out);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit on its own; returns the exit code (fails, killing it, if it does not). */
  int awaitExit(Duration within) throws InterruptedException {
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(name + " did not exit within " + within + ":\n" + tail());
    }
    return process.exitValue();
  }

  /** SIGKILL (as kill -9); returns the exit code. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    return process.waitFor();
  }

  /** SIGTERM, then waits; returns the exit code (SIGKILL after 15 s). */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
