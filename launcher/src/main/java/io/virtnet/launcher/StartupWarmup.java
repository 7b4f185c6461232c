package io.virtnet.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * Drives the pipeline before the launcher reports ready, so that the first cable a user pulls does
 * not run in code the JIT has not compiled yet (../shared/notes/latency-probe.md: the first 40
 * changes of a fresh launcher took p50 11.7 ms, warm ones 1.4 ms). A throw-away copy of the default
 * stack (simulated PHYs, linkwatch off) runs on a private topic prefix of the same embedded broker;
 * a driver flips its PHYs' carrier in a closed loop for a bounded time, then the copy is undeployed
 * and every retained topic it left is cleared. Same classes, same broker, so the same compiled code.
 * The driver also sends PINGREQs between changes: a keep-alive is otherwise the first packet of a
 * new type after a quiet, and it deoptimized the broker's encoder and the client's decoder when it
 * came (JFR, BENCHMARKS.md scenario (e)). Best effort: a warm-up that fails only logs a warning.
 */
final class StartupWarmup {
  /** How long the launcher warms up by default. */
  static final Duration DEFAULT_BUDGET = Duration.ofSeconds(4);
  /** A change not shown by every view within this is given up on, and the next one sent. */
  private static final long STALL_MS = 2_000;
  private static final int PING_EVERY = 16;

  /** What the warm-up did. */
  record Result(long changes, long stalls, Duration took) {}

  private final Vertx vertx;
  private final int brokerPort;
  private final Topics topics;
  private final String agent;
  /** PHY → the link-view topics of the instances on it. */
  private final Map<String, List<String>> viewsOfPhy = new HashMap<>();
  private final Map<String, String> phyOfView = new HashMap<>();
  private final Map<String, Boolean> shown = new HashMap<>();
  private final Map<String, Boolean> expected = new HashMap<>();
  private final Map<String, Long> sentAtMs = new HashMap<>();
  /** Topics written (non-empty) since the last clearing pass: what the copy may have left retained. */
  private final Set<String> written = new HashSet<>();
  private Promise<Void> markerSeen;
  private MqttClient driver;
  private long changes;
  private long stalls;
  private long deadlineMs;
  private boolean stopping;

  private StartupWarmup(Vertx vertx, int brokerPort, JsonObject config) {
    this.vertx = vertx;
    this.brokerPort = brokerPort;
    this.topics = Topics.of(config.getJsonObject("mqtt").getString("prefix"));
    this.agent = config.getJsonObject("agent").getString("name");
    config.getJsonObject("backend").getJsonArray("instances").forEach(o -> {
      JsonObject i = (JsonObject) o;
      String view = topics.rtosLink(i.getInteger("cpu"), i.getString("name"));
      viewsOfPhy.computeIfAbsent(i.getString("phy"), p -> new ArrayList<>()).add(view);
      phyOfView.put(view, i.getString("phy"));
    });
  }

  /**
   * The default stack on {@code prefix}: its HTTP API on a free port, linkwatch off (every change is
   * reported at once, as a change after a quiet is).
   */
  static JsonObject config(String prefix) {
    JsonObject root = ConfigLoader.defaults().copy();
    root.put("mqtt", new JsonObject().put("prefix", prefix));
    JsonObject backend = root.getJsonObject("backend");
    backend.getJsonObject("http").put("port", 0);
    backend.getJsonArray("instances").forEach(o -> ((JsonObject) o).put("policy", new JsonObject().put("linkwatchIntervalMs", 0)));
    return root;
  }

  /** Runs the warm-up for {@code budget} on the embedded broker at {@code brokerPort}. */
  static Future<Result> run(Vertx vertx, int brokerPort, Function<String, MqttSessionOptions> session, Duration budget) {
    String prefix = "warmup-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    JsonObject config = config(prefix);
    StartupWarmup w = new StartupWarmup(vertx, brokerPort, config);
    long t0 = System.nanoTime();
    Logger ours = (Logger) LoggerFactory.getLogger("io.virtnet");
    Level before = ours.getLevel();
    ours.setLevel(Level.WARN); // the copy's start and stop lines are not the user's stack
    Future<InProcessStack> stack = InProcessStack.deploy(vertx, StackOptions.from(config), session);
    return stack
        .compose(s -> w.drive(budget))
        .eventually(() -> stack.succeeded() ? stack.result().stop() : Future.succeededFuture())
        .eventually(w::clearRetained)
        .eventually(() -> {
          ours.setLevel(before);
          return Future.succeededFuture();
        })
        .map(v -> new Result(w.changes, w.stalls, Duration.ofNanos(System.nanoTime() - t0)));
  }

  /** Connects the driver and flips every PHY in a closed loop until {@code budget} is spent. */
  private Future<Void> drive(Duration budget) {
    driver = MqttClient.create(vertx, new MqttClientOptions().setClientId(topics.prefix() + "-driver")
        .setMaxInflightQueue(1_000).setAutoKeepAlive(false));
    Promise<Void> done = Promise.promise();
    driver.publishHandler(this::onMessage);
    return driver.connect(brokerPort, "127.0.0.1")
        .compose(ack -> driver.subscribe(topics.prefix() + "/#", MqttQoS.AT_LEAST_ONCE.value()))
        .compose(granted -> {
          deadlineMs = System.currentTimeMillis() + budget.toMillis();
          viewsOfPhy.keySet().forEach(this::flip);
          long timer = vertx.setPeriodic(100, id -> {
            long now = System.currentTimeMillis();
            stopping = now >= deadlineMs;
            sentAtMs.forEach((phy, at) -> {
              if (at != null && now - at > STALL_MS) {
                stalls++;
                flip(phy);
              }
            });
            if (stopping) {
              done.tryComplete();
            }
          });
          return done.future().onComplete(ar -> vertx.cancelTimer(timer));
        });
  }

  private void flip(String phy) {
    if (stopping) {
      sentAtMs.put(phy, null);
      return;
    }
    boolean carrier = !expected.getOrDefault(phy, true); // the simulated PHYs start with carrier on
    expected.put(phy, carrier);
    sentAtMs.put(phy, System.currentTimeMillis());
    changes++;
    if (changes % PING_EVERY == 0) {
      driver.ping();
    }
    driver.publish(topics.phyCmd(agent, phy), Buffer.buffer(Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, carrier))),
        MqttQoS.AT_LEAST_ONCE, false, false);
  }

  private void onMessage(MqttPublishMessage m) {
    if (m.topicName().equals(marker())) {
      if (markerSeen != null) {
        markerSeen.tryComplete();
      }
      return;
    }
    if (m.payload().length() > 0) {
      written.add(m.topicName());
    }
    String phy = phyOfView.get(m.topicName());
    if (phy == null || m.payload().length() == 0) {
      return;
    }
    try {
      shown.put(m.topicName(), Codecs.LINK_VIEW.decode(m.payload().getBytes()).carrier());
    } catch (RuntimeException e) {
      return; // not a view (our own copy writes only views here); nothing to count
    }
    Boolean want = expected.get(phy);
    if (want != null && sentAtMs.get(phy) != null && viewsOfPhy.get(phy).stream().allMatch(v -> want.equals(shown.get(v)))) {
      flip(phy);
    }
  }

  /**
   * Clears every topic the copy wrote, then sends a marker through the broker: a write of the copy
   * that reached the broker after the clear (its last state, from another connection) has arrived by
   * the time the marker does, and is cleared in another pass (at most {@code passes}).
   */
  private Future<Void> clearRetained() {
    return driver == null || !driver.isConnected() ? Future.succeededFuture()
        : clearPass(3).eventually(() -> driver.disconnect());
  }

  private Future<Void> clearPass(int passes) {
    List<Future<Integer>> cleared = written.stream()
        .map(t -> driver.publish(t, Buffer.buffer(), MqttQoS.AT_LEAST_ONCE, false, true))
        .toList();
    written.clear();
    markerSeen = Promise.promise();
    Promise<Void> seen = markerSeen;
    long timer = vertx.setTimer(STALL_MS, t -> seen.tryComplete());
    return Future.join(cleared)
        .transform(ar -> driver.publish(marker(), Buffer.buffer("m"), MqttQoS.AT_LEAST_ONCE, false, false))
        .transform(ar -> seen.future())
        .compose(v -> {
          vertx.cancelTimer(timer);
          return written.isEmpty() || passes <= 1 ? Future.succeededFuture() : clearPass(passes - 1);
        });
  }

  private String marker() {
    return topics.prefix() + "/warmup-marker";
  }
}
