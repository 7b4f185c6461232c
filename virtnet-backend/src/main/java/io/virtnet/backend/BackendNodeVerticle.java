package io.virtnet.backend;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.api.ApiVerticle;
import io.virtnet.backend.api.BackendApi;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevCodec;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MqttMetrics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's root verticle: one MQTT session ({@code vnet-backend-{node}}, will "offline" on
 * {@code vnet/backend/{node}/status}), one {@link VirtioNetInstanceVerticle} per instance tracked by
 * deployment id (hot-plug and remove are one call each), the broker-wide views the API shows (PHY
 * states, frontend link views, agent statuses) and the HTTP API verticle.
 */
public final class BackendNodeVerticle extends VerticleBase implements BackendApi {
  private static final Logger LOG = LoggerFactory.getLogger(BackendNodeVerticle.class);
  public static final String SERVICE = "virtnet-backend";
  /** How long a clean stop waits for queued publishes before disconnecting. */
  private static final long CLOSE_WAIT_MS = 3000;

  private final BackendConfig config;
  private final MqttConfig mqtt;
  private final MqttSessionOptions sessionOptions;
  private final PrometheusMeterRegistry registry;
  private final Topics topics;
  private final Rejections rejections;
  private ChangeEvents events;

  private MqttSession session;
  private String statusTopic;
  private final Map<String, Deployed> instances = new LinkedHashMap<>();
  private final Map<String, NetdevState> phys = new TreeMap<>();
  /** cpu/instance → the latest view; a hash map, as a storm updates it thousands of times a second. */
  private final Map<String, FrontendView> links = new HashMap<>();
  private final Map<String, Boolean> agents = new TreeMap<>();
  private volatile boolean brokerConnected;
  private volatile int httpPort = -1;
  private BackendMetrics metrics;
  private Future<Void> stopFuture;

  private static final class Deployed {
    final InstanceConfig config;
    volatile VirtioNetInstanceVerticle verticle;
    volatile String deploymentId;

    Deployed(InstanceConfig config) {
      this.config = config;
    }
  }

  /**
   * @param config the {@code backend} section
   * @param mqtt the {@code mqtt} section (topic prefix)
   * @param sessionOptions how to reach the broker; the client id is replaced by {@code vnet-backend-{node}}
   *     and the will by this node's "offline"
   * @param registry the process's Prometheus registry, scraped by {@code GET /metrics}
   */
  public BackendNodeVerticle(BackendConfig config, MqttConfig mqtt, MqttSessionOptions sessionOptions,
      PrometheusMeterRegistry registry) {
    this.config = config;
    this.mqtt = mqtt;
    this.sessionOptions = sessionOptions;
    this.registry = registry;
    this.topics = mqtt.topics();
    this.rejections = new Rejections(registry, SERVICE);
  }

  /** The port the HTTP API listens on once started (useful when configured as 0), -1 before. */
  public int httpPort() {
    return httpPort;
  }

  /** The host the HTTP API binds to. */
  public String httpHost() {
    return config.httpHost();
  }

  public BackendConfig backendConfig() {
    return config;
  }

  /** The node's MQTT session (null before start). */
  public MqttSession session() {
    return session;
  }

  @Override
  public Runnable onChange(Handler<JsonObject> handler) {
    return events.listen(handler);
  }

  @Override
  public Future<?> start() {
    statusTopic = topics.backendStatus(config.node());
    MqttSessionOptions opts = sessionOptions
        .withClientId("vnet-backend-" + config.node())
        .withWill(new MqttSessionOptions.Will(statusTopic, new ServiceStatus(false, Instant.now()).encode(), true));
    session = MqttSession.create(vertx, opts);
    session.onDisconnect(() -> brokerConnected = false);
    session.onReconnect(() -> brokerConnected = true);
    MqttMetrics.reconnects(registry, SERVICE, session);
    metrics = new BackendMetrics(registry);
    events = new ChangeEvents(vertx, config.node());
    return session.start()
        .compose(v -> {
          brokerConnected = true;
          return session.publish(statusTopic, new ServiceStatus(true, Instant.now()).encode(), true);
        })
        .compose(v -> Future.all(
            session.subscribe(topics.allPhyStates(), this::onPhyState),
            session.subscribe(topics.allAgentStatus(), this::onAgentStatus),
            session.subscribe(topics.allLinks(), this::onLink)))
        .compose(v -> {
          List<Future<?>> deployed = new ArrayList<>();
          for (InstanceConfig c : config.instances()) {
            deployed.add(deploy(c));
          }
          return Future.all(deployed);
        })
        .compose(v -> {
          ApiVerticle api = new ApiVerticle(this, config.httpHost(), config.httpPort());
          return vertx.deployVerticle(api).map(id -> api.actualPort());
        })
        .onSuccess(port -> {
          httpPort = port;
          LOG.info("backend {} ready: {} instance(s), HTTP on {}:{}", config.node(), instances.size(),
              config.httpHost(), port);
        })
        .onFailure(e -> {
          if (session != null) {
            session.close(0);
          }
        });
  }

  @Override
  public Future<?> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    List<Future<?>> undeployed = new ArrayList<>();
    for (Deployed d : instances.values()) {
      if (d.deploymentId != null) {
        // may already be undeployed with the parent; that is fine
        undeployed.add(vertx.undeploy(d.deploymentId).otherwiseEmpty());
      }
    }
    instances.clear();
    if (metrics != null) {
      metrics.close();
    }
    stopFuture = Future.join(undeployed).<Void>mapEmpty().otherwiseEmpty()
        .compose(v -> session == null ? Future.<Void>succeededFuture()
            : session.publish(statusTopic, new ServiceStatus(false, Instant.now()).encode(), true)
                .<Void>mapEmpty().otherwiseEmpty())
        .compose(v -> session == null ? Future.<Void>succeededFuture() : session.close(CLOSE_WAIT_MS))
        .onComplete(ar -> LOG.info("backend {} stopped; rejected messages: {}", config.node(), rejections.summary()));
    return stopFuture;
  }

  // ---- instances ----

  private Future<JsonObject> deploy(InstanceConfig c) {
    Deployed d = new Deployed(c);
    instances.put(c.name(), d);
    VirtioNetInstanceVerticle v = new VirtioNetInstanceVerticle(c, new InstanceEnv(session, topics, config.node(),
        config.onAgentLoss(), rejections, registry, metrics, events));
    d.verticle = v;
    return vertx.deployVerticle(v)
        .onFailure(e -> {
          context.runOnContext(x -> instances.remove(c.name(), d));
          LOG.error("instance {} failed to start: {}", c.name(), e.getMessage());
        })
        .compose(id -> {
          d.deploymentId = id;
          return v.snapshot();
        });
  }

  @Override
  public Future<JsonArray> instances() {
    return onNode(() -> {
      List<Future<JsonObject>> all = new ArrayList<>();
      for (Deployed d : instances.values()) {
        if (d.deploymentId != null) {
          all.add(d.verticle.snapshot());
        }
      }
      return Future.all(all).map(cf -> {
        List<JsonObject> list = new ArrayList<>(cf.<JsonObject>list());
        list.sort(Comparator.comparing(o -> o.getString("name")));
        return new JsonArray(new ArrayList<>(list));
      });
    });
  }

  @Override
  public Future<JsonObject> instance(String name) {
    return onNode(() -> live(name).verticle.snapshot());
  }

  @Override
  public Future<JsonObject> addInstance(InstanceConfig c) {
    return onNode(() -> {
      if (instances.containsKey(c.name())) {
        return Future.failedFuture(ApiException.conflict("instance '" + c.name() + "' already exists"));
      }
      for (Deployed d : instances.values()) {
        if (BackendConfig.routeKey(d.config) == BackendConfig.routeKey(c)) {
          return Future.failedFuture(ApiException.conflict("cpu " + c.cpu() + " irq " + c.irq()
              + " is already used by '" + d.config.name() + "'"));
        }
      }
      LOG.info("hot-plug: instance {}", c.name());
      return deploy(c);
    });
  }

  @Override
  public Future<Void> removeInstance(String name) {
    return onNode(() -> {
      Deployed d = live(name);
      instances.remove(name);
      LOG.info("hot-unplug: instance {}", name);
      return vertx.undeploy(d.deploymentId);
    });
  }

  @Override
  public Future<JsonObject> setCarrierNotify(String name, boolean enabled) {
    return onNode(() -> live(name).verticle.setCarrierNotify(enabled));
  }

  @Override
  public Future<JsonObject> policy(String name) {
    return onNode(() -> live(name).verticle.policy());
  }

  @Override
  public Future<JsonObject> setPolicy(String name, LinkPolicyConfig policy) {
    return onNode(() -> live(name).verticle.setPolicy(policy));
  }

  private Deployed live(String name) {
    Deployed d = instances.get(name);
    if (d == null || d.deploymentId == null) {
      throw ApiException.notFound("no instance '" + name + "'");
    }
    return d;
  }

  // ---- broker-wide views ----

  private void onPhyState(InboundMessage m) {
    try {
      if (!(topics.parse(m.topic()) instanceof TopicName.PhyState t)) {
        return;
      }
      String key = t.agent() + "/" + t.ifname();
      if (m.payload().length() == 0) {
        if (phys.remove(key) != null) {
          events.publish("phy", () -> new JsonObject().put("agent", t.agent()).put("ifname", t.ifname()).put("removed", true));
        }
        return;
      }
      NetdevState s = m.decoded(NetdevCodec.STATE_DECODER);
      NetdevState old = phys.get(key);
      if (old != null && s.seq() != 0 && s.seq() < old.seq()) {
        return;
      }
      phys.put(key, s);
      events.publish("phy", () -> phyJson(s));
    } catch (InvalidMessageException e) {
      // the instance watching this PHY (if any) counts it; the view only skips it
      LOG.debug("view: skipped a message on {}: {}", m.topic(), e.getMessage());
    }
  }

  private void onAgentStatus(InboundMessage m) {
    try {
      if (!(topics.parse(m.topic()) instanceof TopicName.AgentStatus t)) {
        return;
      }
      if (m.payload().length() == 0) {
        agents.remove(t.agent());
        return;
      }
      ServiceStatus st = ServiceStatus.decode(m.payload());
      agents.put(t.agent(), st.online());
    } catch (InvalidMessageException e) {
      LOG.debug("view: skipped a message on {}: {}", m.topic(), e.getMessage());
    }
  }

  private void onLink(InboundMessage m) {
    try {
      if (!(topics.parse(m.topic()) instanceof TopicName.RtosLink t)) {
        return;
      }
      String key = t.cpu() + "/" + t.instance();
      if (m.payload().length() == 0) {
        if (links.remove(key) != null) {
          events.publish("link", () -> new JsonObject().put("cpu", t.cpu()).put("instance", t.instance()).put("removed", true));
        }
        return;
      }
      LinkView view = LinkView.decode(m.payload());
      metrics.linkView(key, view.ts(), view.phyTs());
      FrontendView fv = new FrontendView(t.cpu(), t.instance(), view);
      links.put(key, fv);
      events.publish("link", fv::toJson);
    } catch (InvalidMessageException | IllegalArgumentException e) {
      LOG.debug("view: skipped a message on {}: {}", m.topic(), e.getMessage());
    }
  }

  @Override
  public Future<Void> phyCommand(String agent, String ifname, PhyCommand command) {
    return onNode(() -> {
      LOG.info("sim command for {}/{}: {}", agent, ifname, command.encode());
      return session.publish(topics.phyCmd(agent, ifname), command.encode(), false);
    });
  }

  private static JsonObject phyJson(NetdevState s) {
    return NetdevCodec.toJson(s).put("linkUp", s.linkUp());
  }

  /** A frontend's link view as the API shows it. */
  private record FrontendView(int cpu, String instance, LinkView view) {
    JsonObject toJson() {
      return new JsonObject().put("cpu", cpu).put("instance", instance).put("view", view.toJson());
    }
  }

  @Override
  public Future<JsonArray> phys() {
    return onNode(() -> {
      JsonArray a = new JsonArray();
      phys.values().forEach(s -> a.add(phyJson(s)));
      return Future.succeededFuture(a);
    });
  }

  @Override
  public Future<JsonArray> frontends() {
    return onNode(() -> {
      JsonArray a = new JsonArray();
      new TreeMap<>(links).values().forEach(v -> a.add(v.toJson()));
      return Future.succeededFuture(a);
    });
  }

  @Override
  public Future<JsonObject> health() {
    return onNode(() -> {
      JsonObject agentJson = new JsonObject();
      agents.forEach((a, online) -> agentJson.put(a, online ? "online" : "offline"));
      return instances().map(list -> {
        int bound = 0;
        JsonArray unbound = new JsonArray();
        JsonArray agentsOffline = new JsonArray();
        for (int i = 0; i < list.size(); i++) {
          JsonObject inst = list.getJsonObject(i);
          if (inst.getBoolean("bound", false)) {
            bound++;
          } else if (inst.getBoolean("carrierNotify", true)) {
            // carrier-notify off releases the hold on purpose; only a wanted binding counts
            unbound.add(inst.getString("name"));
          }
          String agent = inst.getString("agent");
          if (Boolean.FALSE.equals(agents.get(agent)) && !agentsOffline.contains(agent)) {
            agentsOffline.add(agent);
          }
        }
        boolean broker = brokerConnected;
        boolean up = broker && agentsOffline.isEmpty() && unbound.isEmpty();
        return new JsonObject()
            .put("status", up ? "UP" : "DOWN")
            .put("broker", broker)
            .put("node", config.node())
            .put("agents", agentJson)
            .put("agentsOffline", agentsOffline)
            .put("instances", list.size())
            .put("instancesBound", bound)
            .put("instancesUnbound", unbound);
      });
    });
  }

  @Override
  public String metrics() {
    return registry.scrape();
  }

  /** Runs {@code s} on the node's context; a thrown {@link ApiException} fails the future. */
  private <T> Future<T> onNode(Supplier<Future<T>> s) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        s.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }
}
