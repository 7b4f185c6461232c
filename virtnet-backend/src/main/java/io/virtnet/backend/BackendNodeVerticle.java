package io.virtnet.backend;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.ApiVerticle;
import io.virtnet.backend.api.BackendApi;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MqttMetrics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.runtime.mqtt.TypedSubscriber;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's root verticle, as wiring: one MQTT session ({@code vnet-backend-{node}}, will
 * "offline" on {@code vnet/backend/{node}/status}), one {@link VirtioNetInstanceVerticle} per instance
 * (in the {@link InstanceRegistry}), the {@link BrokerView} fed by three broker-wide subscriptions, the
 * {@link Timeline}, and the HTTP API verticle over a {@link NodeApi}.
 */
public final class BackendNodeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BackendNodeVerticle.class);
  public static final String SERVICE = "virtnet-backend";
  /** How long a clean stop waits for queued publishes before disconnecting. */
  private static final long CLOSE_WAIT_MS = 3000;

  private final BackendConfig config;
  private final MqttSessionOptions sessionOptions;
  private final PrometheusMeterRegistry registry;
  private final Topics topics;
  private final Rejections rejections;
  /**
   * What the broker-wide views skip: logged, not counted in the service's rejections (the instance
   * watching a PHY or agent counts its bad input; the view only skips it).
   */
  private final Rejections viewSkips = new Rejections(new SimpleMeterRegistry(), SERVICE + " view");
  private final InstanceRegistry instances = new InstanceRegistry();

  private MqttSession session;
  private String statusTopic;
  private ChangeEvents events;
  private Timeline timeline;
  private BrokerView view;
  private InterruptController interrupts;
  private Repairs repairs;
  /** This node's own retained status, defended against other clients. */
  private final RetainedOwnership ownStatus = RetainedOwnership.ofPublished(RetainedOwnership.Policy.DEFAULT,
      () -> System.nanoTime() / 1_000_000L);
  private boolean stopping;
  private BackendMetrics metrics;
  private NodeApi api;
  private volatile boolean brokerConnected;
  private volatile int httpPort = -1;
  private Future<Void> stopFuture;
  private io.micrometer.core.instrument.Meter reconnectsMeter;

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

  /** What the HTTP API serves, callable from any context (null before start). */
  public BackendApi api() {
    return api;
  }

  @Override
  public Future<?> start() {
    statusTopic = topics.backendStatus(config.node());
    MqttSessionOptions opts = sessionOptions
        .withClientId("vnet-backend-" + config.node())
        .withWill(new MqttSessionOptions.Will(statusTopic, Buffer.buffer(Codecs.SERVICE_STATUS.encode(new ServiceStatus(false, Instant.now()))), true));
    session = MqttSession.create(vertx, opts);
    session.onDisconnect(() -> brokerConnected = false);
    session.onReconnect(() -> brokerConnected = true);
    reconnectsMeter = MqttMetrics.reconnects(registry, SERVICE, session);
    metrics = new BackendMetrics(registry);
    events = new ChangeEvents(vertx, config.node());
    timeline = new Timeline(Instant::now,
        (instance, e) -> events.publish("timeline", () -> new JsonObject().put("instance", instance).put("entry", e.toJson())));
    view = new BrokerView(events::publish, timeline, instances::watching);
    repairs = new Repairs(registry, SERVICE);
    interrupts = new InterruptController(new InterruptController.Loop() {
      @Override
      public boolean inLoop() {
        return io.vertx.core.Vertx.currentContext() == context;
      }

      @Override
      public void execute(Runnable task) {
        context.runOnContext(v -> task.run());
      }
    }, this::sendIrqs, IrqMessage.MAX_IRQS, registry);
    api = new NodeApi(config.node(), context, instances, view, new Deployments(), session, topics, registry, events,
        timeline, repairs, () -> brokerConnected);
    session.onReconnect(ownStatus::reconnected);
    return session.start()
        .compose(v -> {
          brokerConnected = true;
          return publishStatus(true);
        })
        .compose(v -> Future.all(
            session.subscribe(statusTopic, this::onOwnStatus),
            session.subscribe(topics.allPhyStates(), TypedSubscriber.orGone(Codecs.NETDEV_STATE, viewSkips,
                m -> onPhyState(m.topic(), m.value()), g -> onPhyState(g.topic(), null))),
            session.subscribe(topics.allAgentStatus(), TypedSubscriber.orGone(Codecs.SERVICE_STATUS, viewSkips,
                m -> onAgentStatus(m.topic(), m.value()), g -> onAgentStatus(g.topic(), null))),
            session.subscribe(topics.allLinks(), TypedSubscriber.orGone(Codecs.LINK_VIEW, viewSkips,
                m -> onLink(m.topic(), m.value()), g -> onLink(g.topic(), null)))))
        .compose(v -> {
          List<Future<?>> deployed = new ArrayList<>();
          Deployments d = new Deployments();
          for (InstanceConfig c : config.instances()) {
            deployed.add(d.deploy(c));
          }
          return Future.all(deployed);
        })
        .compose(v -> {
          ApiVerticle apiVerticle = new ApiVerticle(api, config.httpHost(), config.httpPort(), config.remoteTargets());
          return vertx.deployVerticle(apiVerticle).map(id -> apiVerticle.actualPort());
        })
        .onSuccess(port -> {
          httpPort = port;
          LOG.info("backend {} ready: {} instance(s), HTTP on {}:{}", config.node(), instances.size(),
              config.httpHost(), port);
        })
        // a failed start is not stopped by Vert.x: release what it opened, then fail
        .recover(e -> releaseAfterFailedStart().transform(ar -> {
          LOG.error("backend {} failed to start ({}); released its instances, meters and session", config.node(),
              e.getMessage());
          return Future.failedFuture(e);
        }));
  }

  @Override
  public Future<?> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    stopFuture = releaseInstancesAndMeters().<Void>mapEmpty().otherwiseEmpty()
        .compose(v -> session == null ? Future.<Void>succeededFuture()
            : publishStatus(false).otherwiseEmpty())
        .compose(v -> session == null ? Future.<Void>succeededFuture() : session.close(CLOSE_WAIT_MS))
        .onComplete(ar -> LOG.info("backend {} stopped; rejected messages: {}", config.node(), rejections.summary()));
    return stopFuture;
  }

  /** Undeploys the instances (each clears its retained topics), then removes the node's meters. */
  private Future<Void> releaseInstancesAndMeters() {
    stopping = true;
    List<Future<?>> undeployed = new ArrayList<>();
    for (InstanceRegistry.Entry e : instances.drain()) {
      if (e.live()) {
        // may already be undeployed with the parent; that is fine
        undeployed.add(vertx.undeploy(e.deploymentId).otherwiseEmpty());
      }
    }
    if (metrics != null) {
      metrics.close();
    }
    if (interrupts != null) {
      interrupts.close();
      repairs.close();
    }
    return Future.join(undeployed).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<Void> releaseAfterFailedStart() {
    if (reconnectsMeter != null) {
      registry.remove(reconnectsMeter);
    }
    return releaseInstancesAndMeters()
        .compose(v -> session == null ? Future.<Void>succeededFuture() : session.close(0).otherwiseEmpty());
  }

  /** Deploys instance verticles into the registry (on the node's context). */
  private final class Deployments implements NodeApi.Deployer {
    @Override
    public Future<JsonObject> deploy(InstanceConfig c) {
      VirtioNetInstanceVerticle v = new VirtioNetInstanceVerticle(c, new InstanceEnv(session, topics, config.node(),
          config.onAgentLoss(), rejections, registry, metrics, events, timeline, interrupts, repairs,
          config.resyncMs()));
      InstanceRegistry.Entry e = instances.add(c, v);
      return vertx.deployVerticle(v)
          .onFailure(err -> {
            ContextCalls.run(context, () -> instances.remove(e));
            LOG.error("instance {} failed to start: {}", c.name(), err.getMessage());
          })
          .compose(id -> {
            e.deploymentId = id;
            return v.snapshot();
          });
    }

    @Override
    public Future<Void> undeploy(InstanceRegistry.Entry e) {
      return vertx.undeploy(e.deploymentId);
    }
  }

  /** The interrupt controller's routing: one {@code irq} message on the CPU's topic. */
  private void sendIrqs(int cpu, List<InterruptController.Raised> irqs) {
    List<Irq> listed = new ArrayList<>(irqs.size());
    for (InterruptController.Raised r : irqs) {
      listed.add(new Irq(r.irq(), r.instance(), r.isr(), r.generation(), r.phyTs()));
    }
    session.publish(topics.rtosIrq(cpu), Buffer.buffer(Codecs.IRQ.encode(new IrqMessage(listed, Instant.now()))), false);
  }

  private Future<Void> publishStatus(boolean online) {
    byte[] payload = Codecs.SERVICE_STATUS.encode(new ServiceStatus(online, Instant.now()));
    ownStatus.published(statusTopic, payload);
    return session.publish(statusTopic, Buffer.buffer(payload), true);
  }

  /** Our status as the broker holds it: re-asserted when another client clears or overwrites it. */
  private void onOwnStatus(InboundMessage m) {
    if (stopping) {
      return;
    }
    RetainedOwnership.Verdict v = ownStatus.observed(m.topic(), m.bytes());
    if (v.reportConflict()) {
      repairs.conflict(statusTopic, ownStatus.policy().quiet().toMillis(), "another node " + config.node() + "?");
    }
    if (v.reassert()) {
      String why = "node status " + (m.payload().length() == 0 ? "cleared" : "overwritten") + " by another client";
      Runnable reassert = () -> {
        if (!stopping && ownStatus.reassert(statusTopic).isPresent()) {
          repairs.repaired(Repairs.STATUS, why);
          publishStatus(true);
        }
      };
      if (v.delay().isZero()) {
        reassert.run();
      } else {
        vertx.setTimer(v.delay().toMillis(), id -> reassert.run()); // backing off: another node claims it
      }
    }
  }

  // ---- broker-wide views: typed subscriptions decode at the edge, the view keeps the rest ----

  /** A PHY's state, null when gone. */
  private void onPhyState(String topic, NetdevState state) {
    if (topics.parse(topic) instanceof TopicName.PhyState t) {
      view.phyState(t.agent(), t.ifname(), state);
    }
  }

  /** An agent's status, null when cleared. */
  private void onAgentStatus(String topic, ServiceStatus status) {
    if (topics.parse(topic) instanceof TopicName.AgentStatus t) {
      view.agentStatus(t.agent(), status == null ? null : status.online());
    }
  }

  /** A frontend's link view, null when cleared. */
  private void onLink(String topic, LinkView lv) {
    if (topics.parse(topic) instanceof TopicName.RtosLink t) {
      if (lv != null) {
        metrics.linkView(t.instance(), lv.ts(), lv.phyTs());
      }
      view.link(t.cpu(), t.instance(), lv);
      InstanceRegistry.Entry e = lv == null ? null : instances.find(t.instance());
      if (e != null) {
        e.verticle.frontendView(t.cpu(), lv.driver(), lv.carrier());
      }
    }
  }
}
