package io.virtnet.injector.chaos;

import io.virtnet.injector.process.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The broker as a process the soak can SIGKILL and restart on the same port: Mosquitto (the Debian
 * binary, persistence on, saved every second, so a kill loses up to a second of the store) or the
 * embedded HiveMQ CE (the launcher's jar with a stack of its own under another prefix; its store is
 * in memory, so every restart of it starts empty).
 */
public final class ChaosBroker implements AutoCloseable {
  /** Which broker. */
  public enum Kind { MOSQUITTO, HIVEMQ }

  static final Duration START_BOUND = Duration.ofSeconds(90);

  private final Kind kind;
  private final int port;
  private final Path work;
  private final Path launcherJar;
  private final String mosquittoBinary;
  private ChildProcess process;
  private int runs;

  public ChaosBroker(Kind kind, int port, Path work, Path launcherJar, String mosquittoBinary) {
    this.kind = kind;
    this.port = port == 0 ? ChildProcess.freePort() : port;
    this.work = work;
    this.launcherJar = launcherJar;
    this.mosquittoBinary = mosquittoBinary;
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  public Kind kind() {
    return kind;
  }

  /** Starts the broker and waits until it accepts connections. */
  public void start() {
    if (runs == 0) {
      wipeStore(); // a soak starts from an empty store, even in a work directory used before
    }
    runs++;
    Path log = work.resolve("broker-" + kind.name().toLowerCase(java.util.Locale.ROOT) + ".log");
    try {
      if (kind == Kind.MOSQUITTO) {
        Path store = Files.createDirectories(work.resolve("mosquitto-store"));
        Path conf = work.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
            // run as ourselves: as root, mosquitto would switch to its own user, who cannot write our store
            "user " + System.getProperty("user.name"),
            "listener " + port + " 127.0.0.1", "allow_anonymous true", "persistence true",
            "persistence_location " + store + "/", "autosave_interval 1", "log_dest stdout",
            "log_type error", "log_type warning", "log_type notice", ""));
        process = ChildProcess.start("mosquitto#" + runs, List.of(mosquittoBinary, "-c", conf.toString()), log);
      } else {
        Path conf = work.resolve("hivemq-broker-only.yaml");
        // The launcher's own agent, backend and frontend live under another prefix and names: only its broker serves the soak.
        Files.writeString(conf, String.join("\n", "mqtt:", "  prefix: chaosbroker", "agent:", "  name: chaos-broker",
            "  source: sim", "  phys: []", "backend:", "  node: chaos-broker", "  http:", "    host: 127.0.0.1",
            "  instances: []", "frontend:", "  cpus: [9]", ""));
        process = ChildProcess.java("hivemq#" + runs, launcherJar, List.of("--config", conf.toString(),
            "--mqtt-port", String.valueOf(port), "--http-port", "0"), log);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildProcess.awaitListening(process, port, START_BOUND);
  }

  /** SIGKILL; with {@code emptyStore} the persisted store is deleted before the restart. */
  public void killAndRestart(boolean emptyStore) {
    process.kill();
    if (emptyStore) {
      wipeStore();
    }
    start();
  }

  /** Deletes Mosquitto's persisted store (the embedded HiveMQ keeps none). */
  private void wipeStore() {
    Path store = work.resolve("mosquitto-store");
    if (kind != Kind.MOSQUITTO || !Files.isDirectory(store)) {
      return;
    }
    try (Stream<Path> files = Files.list(store)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean alive() {
    return process != null && process.alive();
  }

  @Override
  public void close() {
    if (process != null) {
      process.stop();
    }
  }
}
