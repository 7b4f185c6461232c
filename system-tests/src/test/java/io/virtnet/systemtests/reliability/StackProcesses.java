package io.virtnet.systemtests.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.systemtests.support.Ports;
import io.virtnet.systemtests.support.RepoLayout;
import io.virtnet.systemtests.support.ServiceProcess;
import io.virtnet.testsupport.TestMqtt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three services (phy-agent with sim PHYs eth0 and eth1, virtnet-backend with three instances,
 * rtos-frontend on CPUs 2 and 3) as separate JVMs around one broker, plus an observer that
 * subscribes to {@code vnet/#}. It knows what "converged" means: every frontend's link view, every
 * config's LINK_UP and every hold agree with the PHYs' retained state and the agent's status
 * (onAgentLoss=down), and kills and restarts services as real processes.
 */
final class StackProcesses implements AutoCloseable {
  static final String AGENT = "linux0";
  static final List<String> PHYS = List.of("eth0", "eth1");

  /** One virtio-net instance of the stack's config. */
  record Instance(String name, String phy, int cpu) {
    String link() {
      return "vnet/rtos/" + cpu + "/" + name + "/link";
    }

    String config() {
      return "vnet/virtio/" + name + "/config";
    }

    String device() {
      return "vnet/virtio/" + name + "/device";
    }

    String ref() {
      return "vnet/phy/" + AGENT + "/" + phy + "/ref/" + name;
    }
  }

  static final List<Instance> INSTANCES = List.of(
      new Instance("virtio-net0", "eth0", 2), new Instance("virtio-net1", "eth1", 2), new Instance("virtio-net2", "eth0", 3));

  /** A service and its module (whose fat jar runs it). */
  enum Service {
    AGENT("phy-agent", "agent"), BACKEND("virtnet-backend", "backend"), FRONTEND("rtos-frontend", "frontend");

    final String module;
    final String user;

    Service(String module, String user) {
      this.module = module;
      this.user = user;
    }
  }

  private static final Duration START_BOUND = Duration.ofSeconds(90);

  private final String name;
  private final int brokerPort;
  private final Map<String, String> passwords;
  private final Path configFile;
  private final int httpPort = Ports.free();
  private final Map<Service, ServiceProcess> processes = new EnumMap<>(Service.class);
  private final Map<Service, Integer> runs = new EnumMap<>(Service.class);
  private volatile TestMqtt observer;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * @param passwords user → password for a broker that wants logins (the deploy/ users), or null
   *     for an anonymous broker
   */
  StackProcesses(String name, int brokerPort, Map<String, String> passwords, Path workDir) {
    this.name = name;
    this.brokerPort = brokerPort;
    this.passwords = passwords;
    for (Service s : Service.values()) {
      RepoLayout.requireJar(s.module);
    }
    try {
      // deploy/stack.yaml, but with the HTTP API on loopback (it listens on all interfaces in a container)
      String yaml = Files.readString(RepoLayout.file("deploy/stack.yaml")).replace("host: 0.0.0.0", "host: 127.0.0.1");
      configFile = workDir.resolve(name + "-stack.yaml");
      Files.writeString(configFile, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String brokerUri() {
    return "tcp://127.0.0.1:" + brokerPort;
  }

  /** Starts the observer and the three services, and waits until the stack has converged. */
  StackProcesses start() {
    connectObserver();
    for (Service s : Service.values()) {
      launch(s);
    }
    awaitHealthy(START_BOUND);
    awaitConverged("start", START_BOUND, null);
    return this;
  }

  private void launch(Service s) {
    List<String> args = new ArrayList<>(List.of("--broker", brokerUri(), "--config", configFile.toString()));
    Map<String, String> env = new LinkedHashMap<>();
    if (passwords != null) {
      args.addAll(List.of("--username", s.user));
      env.put("VNET_MQTT_PASSWORD", passwords.get(s.user));
    }
    switch (s) {
      case AGENT -> args.addAll(List.of("--phy-source", "sim"));
      case BACKEND -> args.addAll(List.of("--http-port", String.valueOf(httpPort)));
      case FRONTEND -> args.addAll(List.of("--cpus", "2,3"));
      default -> throw new IllegalStateException();
    }
    int run = runs.merge(s, 1, Integer::sum);
    processes.put(s, ServiceProcess.java(name + "-" + s.module + (run == 1 ? "" : "-run" + run),
        RepoLayout.jar(s.module), args, env));
  }

  ServiceProcess process(Service s) {
    return processes.get(s);
  }

  /** Services killed on purpose and not restarted yet: their death is no failure. */
  private final java.util.Set<Service> down = java.util.EnumSet.noneOf(Service.class);

  /** SIGKILL: returns the exit code (137). */
  int kill(Service s) {
    down.add(s);
    return processes.get(s).kill();
  }

  /** Starts a service again after {@link #kill}, logging to a new file. */
  void restart(Service s) {
    assertThat(processes.get(s).isAlive()).as(s + " still running").isFalse();
    launch(s);
    down.remove(s);
  }

  /** Stops a service cleanly (SIGTERM, as docker stop) and returns its exit code. */
  int stop(Service s) {
    ServiceProcess p = processes.get(s);
    down.add(s);
    p.close();
    return p.waitFor(Duration.ofSeconds(15));
  }

  /** Whether every service that should run (not killed or stopped on purpose) is alive. */
  boolean allAlive() {
    return processes.entrySet().stream().allMatch(e -> down.contains(e.getKey()) || e.getValue().isAlive());
  }

  String logs() {
    StringBuilder b = new StringBuilder();
    processes.values().forEach(p -> b.append('\n').append(p.tail()));
    return b.toString();
  }

  // ---- the observer ----

  /** (Re)connects the observer with an empty record, e.g. after the broker restarted; retries until the broker accepts. */
  void connectObserver() {
    TestMqtt old = observer;
    if (old != null) {
      try {
        old.close();
      } catch (RuntimeException e) {
        // the broker went away under it
      }
    }
    observer = await("observer connects to " + brokerUri()).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> {
          TestMqtt m = passwords == null ? services().connect()
              : services().login("observer", passwords.get("observer")).connect();
          m.subscribe("vnet/#");
          return m;
        }, m -> true);
  }

  /** How many PHY commands ({@code vnet/phy/{agent}/+/cmd}) the observer has recorded. */
  int commandsSeen() {
    String prefix = "vnet/phy/" + AGENT + "/";
    return (int) observer.received().stream()
        .filter(r -> r.topic().startsWith(prefix) && r.topic().endsWith("/cmd")).count();
  }

  /** Waits until the observer has recorded {@code n} PHY commands more than {@code before}: a storm that far along. */
  void awaitCommands(String what, int before, int n, Duration bound) {
    await(name + ": " + what).atMost(bound).pollInterval(Duration.ofMillis(5))
        .until(() -> commandsSeen() - before >= n);
  }

  /**
   * Waits until a freshly connected observer has the retained copy of every topic the services keep
   * retained (the PHYs' states, the agent's status, each instance's device, config, view and ref),
   * then for a marker it publishes itself to come back: what the broker sent before the marker is in.
   */
  void awaitRetainedCopies(Duration bound) {
    List<String> topics = new ArrayList<>(List.of("vnet/phy/" + AGENT + "/status"));
    PHYS.forEach(p -> topics.add("vnet/phy/" + AGENT + "/" + p + "/state"));
    INSTANCES.forEach(i -> topics.addAll(List.of(i.device(), i.config(), i.link(), i.ref())));
    await(name + ": retained copies of " + topics).atMost(bound).pollInterval(Duration.ofMillis(10))
        .until(() -> topics.stream().allMatch(t -> observer.saw(r -> r.retained() && r.topic().equals(t))));
    String marker = "vnet/test/marker/" + java.util.UUID.randomUUID();
    observer.publish(marker, "marker", false);
    observer.awaitMatching("marker " + marker, bound, r -> r.topic().equals(marker));
  }

  /** Disconnects the observer (e.g. while 100,000 messages it need not record go by). */
  void disconnectObserver() {
    if (observer != null) {
      observer.close();
    }
  }

  TestMqtt observer() {
    return observer;
  }

  private Optional<byte[]> last(String topic) {
    return observer.last(topic).map(TestMqtt.Received::payload);
  }

  /** The PHY's retained state as last seen; empty when cleared or not seen. */
  Optional<NetdevState> phyState(String phy) {
    return last("vnet/phy/" + AGENT + "/" + phy + "/state").filter(p -> p.length > 0)
        .map(p -> Codecs.NETDEV_STATE.decode(p));
  }

  Optional<Boolean> agentOnline() {
    return last("vnet/phy/" + AGENT + "/status").filter(p -> p.length > 0)
        .map(p -> "online".equals(new JsonObject(Buffer.buffer(p)).getString("state")));
  }

  Optional<LinkView> view(Instance i) {
    return last(i.link()).filter(p -> p.length > 0).map(p -> Codecs.LINK_VIEW.decode(p));
  }

  Optional<VirtioNetConfig.Generational> config(Instance i) {
    return last(i.config()).filter(p -> p.length > 0).map(VirtioNetConfig::decodeWire);
  }

  /** Whether the retained ref topic of {@code i} holds a hold (non-empty); empty when never seen. */
  Optional<Boolean> refHeld(Instance i) {
    return last(i.ref()).map(p -> p.length > 0);
  }

  /** What every frontend should show: registered ∧ IFF_UP ∧ carrier on its PHY, and the agent online. */
  Map<String, Boolean> expectedCarriers() {
    boolean online = agentOnline().orElse(false);
    Map<String, Boolean> m = new TreeMap<>();
    for (Instance i : INSTANCES) {
      m.put(i.name(), online && phyState(i.phy()).map(NetdevState::linkUp).orElse(false));
    }
    return m;
  }

  /** What the frontends show (absent views as null). */
  Map<String, Boolean> viewCarriers() {
    Map<String, Boolean> m = new TreeMap<>();
    for (Instance i : INSTANCES) {
      m.put(i.name(), view(i).map(LinkView::carrier).orElse(null));
    }
    return m;
  }

  /** PHY name → linkUp, from the agent's retained states. */
  Map<String, Boolean> phyLinks() {
    Map<String, Boolean> m = new TreeMap<>();
    for (String p : PHYS) {
      m.put(p, phyState(p).map(NetdevState::linkUp).orElse(null));
    }
    return m;
  }

  /**
   * Why the stack has not converged, or empty when it has: the PHYs' retained state is present (and
   * equals {@code wantedPhys} when given), the agent is online, every frontend view's carrier and
   * every config's LINK_UP equal the expected carrier, and every instance on a registered PHY holds it
   * (non-empty retained ref).
   */
  Optional<String> divergence(Map<String, Boolean> wantedPhys, boolean wantAgentOnline) {
    Map<String, Boolean> phys = phyLinks();
    if (phys.containsValue(null)) {
      return Optional.of("PHY state missing: " + phys);
    }
    if (wantedPhys != null && !phys.equals(wantedPhys)) {
      return Optional.of("PHYs " + phys + ", wanted " + wantedPhys);
    }
    if (agentOnline().orElse(false) != wantAgentOnline) {
      return Optional.of("agent online " + agentOnline().orElse(null) + ", wanted " + wantAgentOnline);
    }
    Map<String, Boolean> expected = expectedCarriers();
    for (Instance i : INSTANCES) {
      boolean want = expected.get(i.name());
      Optional<LinkView> v = view(i);
      if (v.isEmpty() || v.get().carrier() != want) {
        return Optional.of(i.name() + " view " + v.map(LinkView::carrier).orElse(null) + ", expected " + want);
      }
      if (v.get().ts().isBefore(viewsSince)) {
        return Optional.of(i.name() + " view of " + v.get().ts() + " (generation " + v.get().generation()
            + ") is older than " + viewsSince);
      }
      Optional<VirtioNetConfig.Generational> c = config(i);
      if (c.isEmpty() || c.get().config().linkUp() != want) {
        return Optional.of(i.name() + " config LINK_UP " + c.map(g -> g.config().linkUp()).orElse(null) + ", expected " + want);
      }
      boolean registered = phyState(i.phy()).map(s -> s.reg() == RegState.REGISTERED).orElse(false);
      if (refHeld(i).orElse(false) != registered) {
        return Optional.of(i.name() + " ref held " + refHeld(i).orElse(null) + ", PHY registered " + registered);
      }
    }
    return Optional.empty();
  }

  /**
   * Waits up to {@code bound} for {@link #divergence} to be empty, failing fast when a service dies;
   * returns how long it took.
   */
  Duration awaitConverged(String what, Duration bound, Map<String, Boolean> wantedPhys) {
    return awaitConverged(what, bound, wantedPhys, true);
  }

  /** Views published before this instant do not count (set it to a restart to prove the frontends follow). */
  private volatile java.time.Instant viewsSince = java.time.Instant.EPOCH;

  void requireViewsSince(java.time.Instant t) {
    viewsSince = t;
  }

  /** As {@link #awaitConverged(String, Duration, Map)}, with the agent's wanted status. */
  Duration awaitConverged(String what, Duration bound, Map<String, Boolean> wantedPhys, boolean wantAgentOnline) {
    long t0 = System.nanoTime();
    String[] lastWhy = {""};
    try {
      await(name + ": converged after " + what).atMost(bound).pollInterval(Duration.ofMillis(20))
          .failFast("a service died" + logs(), () -> !allAlive())
          .until(() -> {
            Optional<String> why = divergence(wantedPhys, wantAgentOnline);
            lastWhy[0] = why.orElse("");
            return why.isEmpty();
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(name + ": not converged within " + bound + " after " + what + ": " + lastWhy[0]
          + logs(), e);
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  // ---- the backend's HTTP API ----

  /** GET on the backend's API; status -1 when it does not answer. */
  HttpResult get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return new HttpResult(r.statusCode(), r.body());
    } catch (IOException e) {
      return new HttpResult(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new HttpResult(-1, "interrupted");
    }
  }

  record HttpResult(int status, String body) {}

  void awaitHealthy(Duration bound) {
    await(name + ": backend /health 200").atMost(bound).pollInterval(Duration.ofMillis(200))
        .failFast("a service died" + logs(), () -> !allAlive())
        .until(() -> get("/health").status() == 200);
  }

  /** Instance name → its API snapshot. */
  Map<String, JsonObject> instances() {
    HttpResult r = get("/api/instances");
    assertThat(r.status()).as("GET /api/instances: " + r.body()).isEqualTo(200);
    Map<String, JsonObject> m = new TreeMap<>();
    new JsonArray(r.body()).forEach(o -> m.put(((JsonObject) o).getString("name"), (JsonObject) o));
    return m;
  }

  /** Instance name → PHY messages its backend instance has counted (applied or dropped as stale). */
  Map<String, Long> phyEventsCounted() {
    Map<String, Long> m = new TreeMap<>();
    instances().forEach((n, o) -> m.put(n, o.getJsonObject("counters").getLong("phyEvents")));
    return m;
  }

  /**
   * Waits until the backend has counted at least {@code phyEvents} PHY messages for each instance
   * named, its driver is live and it holds no report back (no linkwatch or hold timer pending); then
   * for a marker of the observer's own to come back (what the backend published before is through the
   * broker); then until the frontend's last view of each shows at least the generation of the last
   * IRQ the observer saw for it: whatever those messages caused has reached the frontends.
   */
  void awaitSettled(String what, Map<String, Long> phyEvents, Duration bound) {
    String[] lastWhy = {""};
    try {
      await(name + ": backend settled after " + what).atMost(bound).pollInterval(Duration.ofMillis(20))
          .failFast("a service died" + logs(), () -> !allAlive())
          .until(() -> {
            lastWhy[0] = backendUnsettled(phyEvents).orElse("");
            return lastWhy[0].isEmpty();
          });
      String marker = "vnet/test/marker/" + java.util.UUID.randomUUID();
      observer.publish(marker, "marker", false);
      observer.awaitMatching("marker " + marker, bound, r -> r.topic().equals(marker));
      await(name + ": frontends caught up after " + what).atMost(bound).pollInterval(Duration.ofMillis(20))
          .until(() -> {
            lastWhy[0] = viewsBehindIrqs(phyEvents.keySet()).orElse("");
            return lastWhy[0].isEmpty();
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(name + ": not settled within " + bound + " after " + what + ": " + lastWhy[0], e);
    }
  }

  private Optional<String> backendUnsettled(Map<String, Long> phyEvents) {
    Map<String, JsonObject> inst = instances();
    for (Map.Entry<String, Long> e : phyEvents.entrySet()) {
      JsonObject o = inst.get(e.getKey());
      long counted = o.getJsonObject("counters").getLong("phyEvents");
      JsonObject policy = o.getJsonObject("policy");
      if (!o.getBoolean("driverLive", false)) {
        return Optional.of(e.getKey() + ": driver not live yet");
      }
      if (counted < e.getValue()) {
        return Optional.of(e.getKey() + " counted " + counted + " PHY messages of " + e.getValue());
      }
      if (policy != null && (policy.getBoolean("pending", false) || policy.getBoolean("holdPending", false))) {
        return Optional.of(e.getKey() + " holds a report back: " + policy.encode());
      }
    }
    return Optional.empty();
  }

  private Optional<String> viewsBehindIrqs(java.util.Set<String> names) {
    Map<String, Long> irqs = new TreeMap<>();
    for (TestMqtt.Received r : observer.received()) {
      if (r.topic().startsWith("vnet/rtos/") && r.topic().endsWith("/irq") && r.payload().length > 0) {
        try {
          for (var irq : Codecs.IRQ.decode(r.payload()).irqs()) {
            irqs.merge(irq.instance(), irq.generation(), (a, b) -> VirtioNetConfig.generationAtOrAfter(a, b) ? a : b);
          }
        } catch (InvalidMessageException e) {
          // not the backend's
        }
      }
    }
    for (Instance i : INSTANCES) {
      Long irq = irqs.get(i.name());
      if (!names.contains(i.name()) || irq == null) {
        continue;
      }
      Optional<Long> shown = view(i).map(LinkView::generation);
      if (shown.isEmpty() || !VirtioNetConfig.generationAtOrAfter(shown.get(), irq)) {
        return Optional.of(i.name() + " view of generation " + shown.orElse(null) + ", last IRQ for " + irq);
      }
    }
    return Optional.empty();
  }

  /** Every instance the backend says is bound has a non-empty retained ref, and every other an empty one. */
  void assertHoldsMatchBindings() {
    Map<String, JsonObject> inst = instances();
    for (Instance i : INSTANCES) {
      boolean bound = inst.get(i.name()).getBoolean("bound");
      assertThat(refHeld(i)).as(i.ref() + " (instance bound: " + bound + ")").hasValue(bound);
    }
  }

  /** {@code vnet_rejected_messages_total{service="virtnet-backend",reason=…}} summed over reasons, from /metrics. */
  long backendRejections() {
    HttpResult r = get("/metrics");
    assertThat(r.status()).as("GET /metrics").isEqualTo(200);
    return sumMetric(r.body(), "vnet_rejected_messages_total");
  }

  static long sumMetric(String prometheus, String metric) {
    double sum = 0;
    Pattern p = Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*})?\\s+(\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(prometheus);
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
    }
    return Math.round(sum);
  }

  /** After a clean stop of the backend: no hold, device or config is left retained. */
  void assertNoRetainedLeftovers() {
    for (Instance i : INSTANCES) {
      assertThat(refHeld(i)).as(i.ref() + " after the backend stopped").hasValue(false);
      assertThat(last(i.device()).map(p -> p.length)).as(i.device() + " after the backend stopped").hasValue(0);
      assertThat(last(i.config()).map(p -> p.length)).as(i.config() + " after the backend stopped").hasValue(0);
    }
  }

  @Override
  public void close() {
    processes.values().forEach(ServiceProcess::close);
    if (observer != null) {
      try {
        observer.close();
      } catch (RuntimeException e) {
        // broker already gone
      }
    }
  }

  /** A test client for the broker as the services speak to it (MQTT 3.1.1). */
  private TestMqtt.Options services() {
    return TestMqtt.to("127.0.0.1", brokerPort).mqtt311();
  }
}
