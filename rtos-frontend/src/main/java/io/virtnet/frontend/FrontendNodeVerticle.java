package io.virtnet.frontend;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.frontend.driver.DriverContext;
import io.virtnet.frontend.driver.DriverFactory;
import io.virtnet.frontend.driver.DriverMetrics;
import io.virtnet.frontend.driver.LinkViews;
import io.virtnet.frontend.qemu.QmpClientPool;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MqttMetrics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rtos-frontend service: one MQTT session ({@code vnet-frontend-{node}}), one
 * {@link RtosCpuVerticle} per configured RTOS CPU, the {@link DeviceDiscovery} that routes the retained
 * {@code vnet/virtio/+/device} topics to them, and the watch on {@code vnet/rtos/+/+/link} through
 * which each CPU defends its retained views. {@code start()} completes when every CPU listens on its
 * IRQ topic and the link and device topics are subscribed; {@code stop()} removes the drivers
 * (clearing their link views), undeploys the CPUs and closes the session, and is safe to call twice.
 */
public final class FrontendNodeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(FrontendNodeVerticle.class);
  /** Rejections are counted under {@code vnet_rejected_messages_total{service="frontend"}}. */
  public static final String SERVICE = "frontend";
  /** How long a clean stop waits for queued publishes (the cleared views) before disconnecting. */
  static final long CLOSE_FLUSH_MS = 2000;

  private final FrontendConfig config;
  private final Topics topics;
  private final MqttSessionOptions sessionOptions;
  private final MeterRegistry registry;
  private final DriverFactory factory;
  private final Rejections rejections;
  private final DriverMetrics driverMetrics;
  private final Repairs repairs;

  private MqttSession session;
  private DeviceDiscovery discovery;
  private final Map<Integer, RtosCpuVerticle> cpus = new LinkedHashMap<>();
  private final Map<Integer, String> deployments = new LinkedHashMap<>();
  private final List<QmpClientPool> qmpPools = new ArrayList<>();
  private MqttSession.Subscription deviceSubscription;
  private MqttSession.Subscription linkSubscription;
  private Future<?> stopFuture;

  public FrontendNodeVerticle(FrontendConfig config, MqttConfig mqtt, MqttSessionOptions sessionOptions,
      MeterRegistry registry) {
    this(config, mqtt, sessionOptions, registry, DriverFactory.standard());
  }

  /** As the main constructor, with another driver table (e.g. one that adds a QEMU driver). */
  public FrontendNodeVerticle(FrontendConfig config, MqttConfig mqtt, MqttSessionOptions sessionOptions,
      MeterRegistry registry, DriverFactory factory) {
    this.config = config;
    this.topics = mqtt.topics();
    this.sessionOptions = sessionOptions.withClientId(clientId(config));
    this.registry = registry;
    this.factory = factory;
    this.rejections = new Rejections(registry, SERVICE);
    this.driverMetrics = new DriverMetrics(registry);
    this.repairs = new Repairs(registry, SERVICE);
  }

  /** The MQTT client id of a frontend node: {@code vnet-frontend-{node}}. */
  public static String clientId(FrontendConfig config) {
    return "vnet-frontend-" + config.node();
  }

  public FrontendConfig frontendConfig() {
    return config;
  }

  /** Fault hook for tests: forgets the device of {@code instance} and removes its driver, as a lost message would. */
  Future<Void> loseDevice(String instance) {
    return discovery.lose(instance);
  }

  /** Repairs of {@code kind} made by this node (see {@link Repairs}). */
  public long repairCount(String kind) {
    return repairs.count(kind);
  }

  /** Rejected input counted by this node (all reasons). */
  public long rejectedCount() {
    return rejections.total();
  }

  @Override
  public Future<?> start() {
    session = MqttSession.create(vertx, sessionOptions);
    MqttMetrics.reconnects(registry, SERVICE + "-" + config.node(), session);
    discovery = new DeviceDiscovery(vertx, session, topics, cpus, Set.copyOf(config.cpus()), rejections,
        repairs);
    List<Future<String>> deploys = new ArrayList<>();
    for (int cpu : config.cpus()) {
      // one QMP pool per CPU: its clients live on that CPU's context, shared by the NICs of one VM
      QmpClientPool pool = new QmpClientPool(vertx);
      qmpPools.add(pool);
      LinkViews views = new LinkViews(
          (instance, payload) -> session.publish(topics.rtosLink(cpu, instance), Buffer.buffer(payload), true),
          LinkViews.RepairListener.countedIn(repairs, cpu), System::currentTimeMillis, (ms, action) -> vertx.setTimer(ms, id -> action.run()));
      DriverContext ctx = new DriverContext(cpu, session, topics, config.driverFeatures(), rejections, driverMetrics,
          vertx, pool, views, config.remoteTargets());
      RtosCpuVerticle v = new RtosCpuVerticle(ctx, factory, registry, discovery::unknownIrq);
      cpus.put(cpu, v);
      deploys.add(vertx.deployVerticle(v).onSuccess(id -> deployments.put(cpu, id)));
    }
    // CPUs first, so that no retained device arrives before its CPU can take it; views before
    // devices, so that no view a driver publishes goes undefended
    return session.start()
        .compose(v -> Future.all(deploys))
        .compose(v -> session.subscribe(topics.allLinks(), this::onLink))
        .compose(s -> {
          linkSubscription = s;
          return discovery.start();
        })
        .onSuccess(s -> {
          deviceSubscription = s;
          LOG.info("rtos-frontend {} serving CPUs {} on {}", config.node(), config.cpus(), sessionOptions.uri());
        });
  }

  /**
   * A message on some CPU's link topic: the CPU that owns it checks it is still its own view. Not a
   * typed subscription: the payload is compared as bytes, not decoded, so that garbage written over a
   * view is re-asserted like any other write (docs/contract.md §3), and no rejection is counted here.
   */
  private void onLink(InboundMessage m) {
    TopicName t;
    try {
      t = topics.parse(m.topic());
    } catch (InvalidMessageException e) {
      return; // not a view of ours: ours have valid names
    }
    if (t instanceof TopicName.RtosLink link && cpus.get(link.cpu()) != null) {
      cpus.get(link.cpu()).observedLink(link.instance(), m.payload().getBytes());
    }
  }

  @Override
  public Future<?> stop() {
    if (stopFuture == null) {
      Future<Void> unsub = Future.join(
          deviceSubscription == null ? Future.succeededFuture() : deviceSubscription.unsubscribe(),
          linkSubscription == null ? Future.succeededFuture() : linkSubscription.unsubscribe()).mapEmpty();
      List<Future<Void>> undeploys = new ArrayList<>();
      for (String id : deployments.values()) {
        // Vert.x may already have undeployed the children before calling this
        undeploys.add(vertx.undeploy(id).recover(e -> Future.succeededFuture()));
      }
      deployments.clear();
      stopFuture = unsub.recover(e -> Future.succeededFuture())
          .compose(v -> Future.join(undeploys))
          .recover(e -> Future.succeededFuture())
          // the drivers released their QMP clients on removal; close whatever a failed removal left
          .compose(v -> Future.join(qmpPools.stream().map(QmpClientPool::closeAll).toList()))
          .recover(e -> Future.succeededFuture())
          .compose(v -> session == null ? Future.succeededFuture() : session.close(CLOSE_FLUSH_MS))
          .onComplete(ar -> LOG.info("rtos-frontend {} stopped; rejected messages: {}", config.node(),
              rejections.summary()));
    }
    return stopFuture;
  }

  /**
   * A snapshot of every CPU and driver: {@code {"node":…,"cpus":[{"cpu":2,"irqs":…,"drivers":[…]}],
   * "rejected":…,"carrierChanges":…}}. Each CPU answers from its own context.
   */
  public Future<JsonObject> snapshot() {
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (RtosCpuVerticle v : cpus.values()) {
      parts.add(v.snapshot());
    }
    return Future.all(parts).map(all -> {
      JsonArray list = new JsonArray();
      parts.forEach(f -> list.add(f.result()));
      return new JsonObject()
          .put("node", config.node())
          .put("connected", session != null && session.isConnected())
          .put("cpus", list)
          .put("probes", (long) driverMetrics.probes())
          .put("carrierChanges", (long) driverMetrics.carrierChanges())
          .put("rejected", rejections.total())
          .put("repairs", repairs.toJson());
    });
  }
}
