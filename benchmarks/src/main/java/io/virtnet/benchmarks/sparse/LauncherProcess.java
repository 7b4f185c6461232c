package io.virtnet.benchmarks.sparse;

import io.virtnet.injector.process.ChildProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launcher as a user runs it ({@code java -jar launcher.jar}, its default stack and its own JVM
 * settings), on free ports; its output goes to a log file next to the results.
 */
final class LauncherProcess implements AutoCloseable {
  private static final Pattern MQTT_LINE = Pattern.compile("MQTT broker: (tcp://\\S+)");

  private final ChildProcess process;
  private final String brokerUri;

  private LauncherProcess(ChildProcess process, String brokerUri) {
    this.process = process;
    this.brokerUri = brokerUri;
  }

  /**
   * Starts {@code jar} with {@code javaOptions} (none for the launcher as shipped; diagnostics such as
   * {@code -Xlog:deoptimization} when investigating) and {@code args} after its own port arguments (none
   * as shipped), and waits for its ready lines.
   */
  static LauncherProcess start(Path jar, List<String> javaOptions, List<String> args, Path log) {
    if (!Files.isReadable(jar)) {
      throw new IllegalArgumentException(jar + " not found: build it first (mvn -pl launcher -am package)");
    }
    List<String> cmd = new ArrayList<>(List.of(ChildProcess.javaBinary()));
    cmd.addAll(javaOptions);
    cmd.addAll(List.of("-jar", jar.toString(), "--mqtt-port", "0", "--http-port", "0"));
    cmd.addAll(args);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      CompletableFuture<String> uri = new CompletableFuture<>();
      Thread pump = new Thread(() -> copy(p.getInputStream(), log, uri), "launcher-output");
      pump.setDaemon(true);
      pump.start();
      try {
        return new LauncherProcess(ChildProcess.of("launcher", p), uri.get(120, TimeUnit.SECONDS));
      } catch (Exception e) {
        p.destroyForcibly();
        throw new IllegalStateException("the launcher printed no broker line within 120 s (see " + log + ")", e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(InputStream in, Path log, CompletableFuture<String> uri) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        out.write(line);
        out.newLine();
        out.flush();
        Matcher m = MQTT_LINE.matcher(line);
        if (m.find()) {
          uri.complete(m.group(1));
        }
      }
    } catch (IOException e) {
      uri.completeExceptionally(e);
    }
    uri.completeExceptionally(new IllegalStateException("the launcher exited"));
  }

  String brokerUri() {
    return brokerUri;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.stop(Duration.ofSeconds(20));
  }
}
