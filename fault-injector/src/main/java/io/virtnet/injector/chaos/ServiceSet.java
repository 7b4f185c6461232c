package io.virtnet.injector.chaos;

import io.virtnet.injector.process.ChildProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stack's three services as separate JVMs from their fat jars ({@code {repo}/{module}/target/{module}.jar}),
 * as the system tests' reliability harness runs them: sim PHYs, the backend's HTTP API on a free
 * loopback port, the frontend on the CPUs the config routes to. Each can be SIGKILLed and restarted.
 */
public final class ServiceSet implements AutoCloseable {
  private final Path repo;
  private final Path config;
  private final Path work;
  private final String brokerUri;
  private final List<Integer> cpus;
  private final int httpPort = ChildProcess.freePort();
  private final Map<Service, ChildProcess> processes = new EnumMap<>(Service.class);
  private final Map<Service, Integer> runs = new EnumMap<>(Service.class);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public ServiceSet(Path repo, Path config, Path work, String brokerUri, List<Integer> cpus) {
    this.repo = repo;
    this.config = config;
    this.work = work;
    this.brokerUri = brokerUri;
    this.cpus = List.copyOf(cpus);
    for (Service s : Service.values()) {
      if (!Files.isRegularFile(jar(repo, s.module()))) {
        throw new IllegalArgumentException(jar(repo, s.module()) + " is missing: build it (mvn -B -q package -DskipTests)");
      }
    }
  }

  static Path jar(Path repo, String module) {
    return repo.resolve(module).resolve("target").resolve(module + ".jar");
  }

  public void startAll() {
    for (Service s : Service.values()) {
      start(s);
    }
  }

  private void start(Service s) {
    List<String> args = new ArrayList<>(List.of("--broker", brokerUri));
    if (config != null) {
      args.addAll(List.of("--config", config.toString()));
    }
    switch (s) {
      case AGENT -> args.addAll(List.of("--phy-source", "sim"));
      case BACKEND -> args.addAll(List.of("--http-port", String.valueOf(httpPort)));
      case FRONTEND -> args.addAll(List.of("--cpus", String.join(",", cpus.stream().map(String::valueOf).toList())));
    }
    int run = runs.merge(s, 1, Integer::sum);
    processes.put(s, ChildProcess.java(s.label() + "#" + run, jar(repo, s.module()), args, work.resolve(s.module() + ".log")));
  }

  /** SIGKILL, then the same service again at once (a supervisor's restart). */
  public void killAndRestart(Service s) {
    processes.get(s).kill();
    start(s);
  }

  /** The run number of the service's current process (1 for the first). */
  public int run(Service s) {
    return runs.getOrDefault(s, 0);
  }

  /** Services whose process died without being killed by the soak. */
  public List<Service> dead() {
    return processes.entrySet().stream().filter(e -> !e.getValue().alive()).map(Map.Entry::getKey).toList();
  }

  /** The backend's {@code /metrics} text, or empty while it does not answer. */
  public Optional<String> backendMetrics() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    processes.values().forEach(ChildProcess::stop);
  }
}
