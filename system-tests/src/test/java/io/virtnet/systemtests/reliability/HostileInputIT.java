package io.virtnet.systemtests.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.GarbageGenerator;
import io.virtnet.injector.GarbageGenerator.Category;
import io.virtnet.injector.GarbageGenerator.Item;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.LinkView;
import io.virtnet.systemtests.reliability.StackProcesses.Instance;
import io.virtnet.systemtests.reliability.StackProcesses.Service;
import io.virtnet.systemtests.support.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hostile input against the running stack (embedded HiveMQ CE, the three services as processes):
 * forged NETDEV events (the fault-injector's {@code impersonate}: stale, duplicate, reordered) must
 * not regress any link, and 100,000 {@code garbage} messages must crash nothing, change nothing, and
 * be counted as rejected by every validating subscriber they reach.
 */
@Tag("reliability")
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {
  private static final Logger LOG = LoggerFactory.getLogger(HostileInputIT.class);
  static final int GARBAGE_COUNT = 100_000;
  static final long GARBAGE_SEED = 42;
  /**
   * Kinds on which the contract defines an empty payload as "gone" (no such device, hold put, status
   * cleared, hot-unplug): the generator's empty items there are legitimate messages, not garbage, and
   * are left out (they would delete a device or a hold, as they should).
   */
  static final Set<TopicKind> EMPTY_MEANS_GONE =
      EnumSet.of(TopicKind.STATE, TopicKind.REF, TopicKind.DEVICE, TopicKind.CONFIG, TopicKind.AGENT_STATUS, TopicKind.BACKEND_STATUS);

  /**
   * The subscriptions that validate and count (vnet_rejected_messages_total) per service, one entry per
   * subscriber (two instances watch eth0; all three watch the agent's status). The backend node's
   * dashboard views (vnet/phy/+/+/state, vnet/phy/+/status, vnet/rtos/+/+/link) skip bad input with a
   * debug line and count nothing: the instance watching that PHY, if any, counts it.
   */
  static final Map<Service, List<String>> COUNTING_SUBSCRIPTIONS = Map.of(
      Service.AGENT, List.of("vnet/phy/linux0/+/cmd", "vnet/phy/linux0/+/ref/+", "vnet/backend/+/status"),
      Service.BACKEND, List.of(
          "vnet/phy/linux0/eth0/state", "vnet/phy/linux0/eth0/state", "vnet/phy/linux0/eth1/state",
          "vnet/phy/linux0/eth0/event", "vnet/phy/linux0/eth0/event", "vnet/phy/linux0/eth1/event",
          "vnet/phy/linux0/status", "vnet/phy/linux0/status", "vnet/phy/linux0/status",
          "vnet/virtio/virtio-net0/ctrl", "vnet/virtio/virtio-net1/ctrl", "vnet/virtio/virtio-net2/ctrl"),
      Service.FRONTEND, List.of("vnet/virtio/+/device",
          "vnet/virtio/virtio-net0/config", "vnet/virtio/virtio-net1/config", "vnet/virtio/virtio-net2/config",
          "vnet/rtos/2/irq", "vnet/rtos/3/irq"));

  @TempDir static Path work;
  private static EmbeddedStack env;
  private static StackProcesses stack;
  private static Injector injector;

  @BeforeAll
  static void startStack() {
    env = new EmbeddedStack("hostile", work);
    stack = env.stack;
    injector = env.injector;
  }

  @AfterAll
  static void stopStack() {
    if (env != null) {
      env.close();
    }
  }

  // ---- impersonate ----

  /** The instances on eth0. */
  private static final List<Instance> ON_ETH0 = List.of(StackProcesses.INSTANCES.get(0), StackProcesses.INSTANCES.get(2));

  /**
   * The frontends' views of the instances on eth0 as published while the forged events that
   * {@code impersonate} (returning its output) sends are handled: until the backend has counted every
   * one of them and whatever they caused has reached the frontends.
   */
  private static List<LinkView> viewsOnEth0During(Supplier<String> impersonate) {
    int before = stack.observer().received().size();
    Map<String, Long> counted = stack.phyEventsCounted();
    String output = impersonate.get();
    long forged = output.lines().filter(l -> l.startsWith("sent seq=")).count();
    assertThat(forged).as("forged events sent: " + output).isPositive();
    Map<String, Long> wanted = new TreeMap<>();
    ON_ETH0.forEach(i -> wanted.put(i.name(), counted.get(i.name()) + forged));
    stack.awaitSettled(forged + " forged events on eth0", wanted, Duration.ofSeconds(10));
    List<LinkView> views = new ArrayList<>();
    stack.observer().received().stream().skip(before)
        .filter(r -> r.topic().equals(StackProcesses.INSTANCES.get(0).link()) || r.topic().equals(StackProcesses.INSTANCES.get(2).link()))
        .filter(r -> r.payload().length > 0)
        .forEach(r -> views.add(Codecs.LINK_VIEW.decode(r.payload())));
    return views;
  }

  @Test
  @Order(2)
  void impersonateStaleDuplicateReordered_regressesNoLink() {
    // GIVEN eth0 down and eth1 up: the forged events on eth0 carry the opposite (carrier on) as their lie
    injector.ok("carrier", "eth0", "off");
    Map<String, Boolean> truth = Map.of("eth0", false, "eth1", true);
    stack.awaitConverged("eth0 cable pulled", Duration.ofSeconds(5), truth);
    Map<String, Long> generations = configGenerations();

    int total = 0;
    for (String mode : List.of("stale", "duplicate", "reorder")) {
      // WHEN NETDEV events are forged as the real agent on the real PHY
      String[] out = new String[1];
      List<LinkView> during = viewsOnEth0During(() -> out[0] = injector.ok("impersonate", "--mode", mode,
          "--agent", StackProcesses.AGENT, "--ifname", "eth0", "--count", "20").output());
      LOG.info("impersonate {}: {}", mode, out[0].strip().replace('\n', ' '));
      total += 20;
      // THEN no frontend ever showed the lie, and everything still equals the PHYs' real state
      assertThat(during).as(mode + ": link views published on eth0's instances").allSatisfy(v ->
          assertThat(v.carrier()).as("carrier").isFalse());
      assertThat(stack.divergence(truth, true)).as(mode).isEmpty();
      if (!mode.equals("reorder")) {
        // stale ones are dropped, a duplicate of the real state changes nothing: no config is written
        assertThat(configGenerations()).as(mode + ": config generations").isEqualTo(generations);
      }
    }
    LOG.info("RELIABILITY impersonate: {} forged events (20 stale, 20 duplicate, 20 reordered), 0 regressions", total);
    assertThat(stack.allAlive()).isTrue();
  }

  // ---- garbage ----

  /** Instance → generation of its retained config. */
  private static Map<String, Long> configGenerations() {
    Map<String, Long> m = new TreeMap<>();
    for (Instance i : StackProcesses.INSTANCES) {
      m.put(i.name(), stack.config(i).orElseThrow().generation());
    }
    return m;
  }

  /** What a fresh subscriber sees of the stack's retained state, as text: PHY states, statuses, holds, devices, configs, views. */
  private static Map<String, String> retainedSnapshot() {
    stack.connectObserver();
    stack.awaitRetainedCopies(Duration.ofSeconds(10));
    Map<String, String> m = new TreeMap<>();
    for (var r : stack.observer().received()) {
      if (r.retained()) {
        // The owners re-assert their retained topics when another client writes them (garbage does; over
        // MQTT 3.1.1 an owner cannot tell a retained overwrite from a live one, contract §3): the same
        // content again, with a new ts and, for a config and the view it leads to, a new generation.
        m.put(r.topic(), r.topic().endsWith("/config") && r.payload().length > 4
            ? java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(r.payload(), 4, r.payload().length))
            : r.topic().endsWith("/link") && r.payload().length > 0 ? linkState(r.text())
            : (r.topic().endsWith("/status") || r.topic().contains("/ref/")) && r.payload().length > 0
                ? without(r.text(), "ts")
            : r.text());
      }
    }
    return m;
  }

  /**
   * A view's link, without its timestamps, generation and the transient ANNOUNCE bit (set until the ACK
   * clears it). {@code phyTs} is a timestamp too: a view republished after a repair's IRQ names the PHY
   * change it reflects, where the probe-time view (from the retained config alone) could not.
   */
  private static String linkState(String json) {
    JsonObject o = new JsonObject(without(json, "ts", "phyTs", "generation"));
    o.put("status", o.getInteger("status") & ~2);
    return o.encode();
  }

  private static String without(String json, String... keys) {
    JsonObject o = new JsonObject(json);
    for (String k : keys) {
      o.remove(k);
    }
    return o.encode();
  }

  static boolean matches(String filter, String topic) {
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    if (f.length != t.length) {
      return false;
    }
    for (int i = 0; i < f.length; i++) {
      if (!f[i].equals("+") && !f[i].equals(t[i])) {
        return false;
      }
    }
    return true;
  }

  /** How many counting subscribers of {@code service} receive {@code topic}. */
  static int receivers(Service service, String topic) {
    return (int) COUNTING_SUBSCRIPTIONS.get(service).stream().filter(f -> matches(f, topic)).count();
  }

  /**
   * Whether the item, on a topic the protocol parses, has a payload the protocol's decoder for that
   * topic accepts: then it is a valid (if forged) message, not garbage. Seed 42 yields two such kinds:
   * "wrong-version" on payloads that carry no version in the contract (an extra "v" key is ignored),
   * and config bytes that happen to have the wire size.
   */
  static boolean decodesAsValid(Item item) {
    if (item.payload().length == 0) {
      return false;
    }
    try {
      io.virtnet.protocol.Topics.of("vnet").parse(item.topic());
      byte[] b = item.payload();
      switch (item.kind()) {
        case CMD -> io.virtnet.protocol.Codecs.PHY_COMMAND.decode(b);
        case STATE -> io.virtnet.protocol.Codecs.NETDEV_STATE.decode(b);
        case EVENT -> io.virtnet.protocol.Codecs.NETDEV_EVENT.decode(b);
        case REF -> io.virtnet.protocol.Codecs.REF_HOLD.decode(b);
        case AGENT_STATUS, BACKEND_STATUS -> io.virtnet.protocol.Codecs.SERVICE_STATUS.decode(b);
        case DEVICE -> io.virtnet.protocol.Codecs.DEVICE.decode(b);
        case CONFIG -> io.virtnet.protocol.VirtioNetConfig.decodeWire(item.payload());
        case CTRL -> io.virtnet.protocol.Codecs.CTRL.decode(b);
        case IRQ -> io.virtnet.protocol.Codecs.IRQ.decode(b);
        default -> throw new IllegalStateException(item.kind().name());
      }
      return true;
    } catch (io.virtnet.protocol.InvalidMessageException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Waits until a process has used (almost) no CPU for a second: it has worked through its backlog. */
  private static void awaitIdle(ServiceProcess p) {
    long[] last = {-1};
    await(p.name() + " idle").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      long now = cpuTicks(p.pid());
      boolean idle = last[0] >= 0 && now - last[0] <= 5; // ≤ 5 % of one core over the last second (100 ticks/s)
      last[0] = now;
      return idle;
    });
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }

  private static final Pattern SUMMARY = Pattern.compile("stopped; rejected messages: (\\d+) total(.*)");

  /** Stops a service with SIGTERM and reads the exact rejection count it logs when it stops. */
  private static String stopAndReadRejections(Service s) {
    stack.stop(s);
    Matcher m = SUMMARY.matcher(stack.process(s).output());
    assertThat(m.find()).as(s + " logged its rejection summary at stop\n" + stack.process(s).tail()).isTrue();
    return m.group(1) + m.group(2);
  }

  @Test
  @Order(1)
  void hundredThousandGarbageMessages_crashNothing_changeNothing_andAreAllCountedRejected() {
    // GIVEN the stack at rest: every driver live, nothing held back, every view at its config's generation
    Map<String, Long> none = new TreeMap<>();
    StackProcesses.INSTANCES.forEach(i -> none.put(i.name(), 0L));
    stack.awaitSettled("start", none, Duration.ofSeconds(30));
    Map<String, String> before = retainedSnapshot();
    Map<String, JsonObject> instancesBefore = stack.instances();
    long backendBefore = stack.backendRejections();
    stack.disconnectObserver(); // it would record every garbage message

    // WHEN 100,000 garbage messages (fault-injector garbage --count 100000 --seed 42, the generator run
    // here) are published, minus the empty payloads on topics where empty means "gone"
    GarbageGenerator.Target target = new GarbageGenerator.Target("vnet", StackProcesses.AGENT, "eth0", "virtio-net0",
        "backend0", "virtio-net0", 2);
    List<Item> items = GarbageGenerator.create(target).generate(GARBAGE_SEED, GARBAGE_COUNT);
    long[] expected = new long[Service.values().length];
    int published = 0;
    int excluded = 0;
    int refused = 0;
    int unreceived = 0;
    Map<String, Integer> validPerContract = new TreeMap<>();
    long t0 = System.nanoTime();
    try (InjectorClient client = InjectorClient.join(InjectorClient.connect(
        BrokerSettings.parse(env.broker.uri(), false, null, null, null), InjectorClient.CONNECT_TIMEOUT), Duration.ofSeconds(10))) {
      List<CompletableFuture<Void>> window = new ArrayList<>();
      for (Item item : items) {
        if (item.category() == Category.EMPTY && EMPTY_MEANS_GONE.contains(item.kind())) {
          excluded++;
          continue;
        }
        if (InjectorClient.topicRefusal(item.topic()) != null) {
          refused++; // + or # in the name: MQTT forbids it, the client refuses, nothing reaches a service
          continue;
        }
        if (decodesAsValid(item)) {
          validPerContract.merge(item.kind().label() + "/" + item.category().label(), 1, Integer::sum);
          continue;
        }
        int reached = 0;
        for (Service s : Service.values()) {
          int n = receivers(s, item.topic());
          expected[s.ordinal()] += n;
          reached += n;
        }
        if (reached == 0) {
          unreceived++;
        }
        window.add(client.publish(item.topic(), item.payload(), false));
        published++;
        if (window.size() == 1000) {
          InjectorClient.join(CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)), Duration.ofSeconds(60));
          window.clear();
        }
      }
      InjectorClient.join(CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)), Duration.ofSeconds(60));
    }
    Duration sending = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info("garbage seed {}: left out as valid per the protocol's own decoders (not garbage: see RELIABILITY.md): {}",
        GARBAGE_SEED, validPerContract);
    LOG.info("garbage seed {}: {} generated, {} published in {} ms, {} excluded (empty = gone), {} refused client-side, "
        + "{} reach no counting subscriber; expected rejections agent {}, backend {}, frontend {}",
        GARBAGE_SEED, items.size(), published, sending.toMillis(), excluded, refused, unreceived,
        expected[Service.AGENT.ordinal()], expected[Service.BACKEND.ordinal()], expected[Service.FRONTEND.ordinal()]);
    for (Service s : Service.values()) {
      awaitIdle(stack.process(s));
    }

    // THEN no process crashed
    assertThat(stack.allAlive()).as("every service alive after the garbage" + stack.logs()).isTrue();
    // AND nothing changed: the link state a new subscriber sees in every retained topic
    Map<String, String> after = retainedSnapshot();
    assertThat(after.keySet()).as("retained topics after the garbage").isEqualTo(before.keySet());
    before.forEach((topic, payload) -> assertThat(after.get(topic)).as(topic + " after the garbage").isEqualTo(payload));
    Map<String, JsonObject> instancesAfter = stack.instances();
    for (Instance i : StackProcesses.INSTANCES) {
      JsonObject b = instancesBefore.get(i.name()).getJsonObject("counters");
      JsonObject a = instancesAfter.get(i.name()).getJsonObject("counters");
      // a config that garbage overwrote is re-asserted (a write and an IRQ carrying the same link, which the
      // snapshot above checks): writes and IRQs may grow by those repairs, never go back
      assertThat(a.getLong("configWrites")).as(i.name() + " config writes").isGreaterThanOrEqualTo(b.getLong("configWrites"));
      assertThat(a.getLong("statusIrqs")).as(i.name() + " IRQs").isGreaterThanOrEqualTo(b.getLong("statusIrqs"));
    }
    // AND every delivered message was counted as rejected by every counting subscriber it reached
    long backend = stack.backendRejections() - backendBefore;
    String agent = stopAndReadRejections(Service.AGENT);
    String frontend = stopAndReadRejections(Service.FRONTEND);
    LOG.info("rejections counted: backend /metrics +{}; agent {}; frontend {}", backend, agent, frontend);
    assertThat(backend).as("backend rejections (/metrics)").isEqualTo(expected[Service.BACKEND.ordinal()]);
    assertThat(Long.parseLong(agent.split(" ")[0])).as("agent rejections (stop summary): " + agent)
        .isEqualTo(expected[Service.AGENT.ordinal()]);
    assertThat(Long.parseLong(frontend.split(" ")[0])).as("frontend rejections (stop summary): " + frontend)
        .isEqualTo(expected[Service.FRONTEND.ordinal()]);
    LOG.info("RELIABILITY garbage: {} published, 0 crashes, 0 state changes, rejected agent {} backend {} frontend {} (= expected)",
        published, expected[Service.AGENT.ordinal()], backend, expected[Service.FRONTEND.ordinal()]);

    // AND the stack works on: the two stopped services start again and everything converges
    stack.restart(Service.AGENT);
    stack.restart(Service.FRONTEND);
    stack.awaitConverged("agent and frontend restarted after the garbage", ProcessKillIT.RESTART_BOUND,
        Map.of("eth0", true, "eth1", true));
  }
}
