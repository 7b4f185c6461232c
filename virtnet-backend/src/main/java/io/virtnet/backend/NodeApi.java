package io.virtnet.backend;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.BackendApi;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link BackendApi} of one node: every call hops to the node's context, where the
 * {@link InstanceRegistry} and the {@link BrokerView} live, and asks the instance verticles on theirs.
 */
final class NodeApi implements BackendApi {
  private static final Logger LOG = LoggerFactory.getLogger(NodeApi.class);

  /** Deploys and undeploys instance verticles. */
  interface Deployer {
    /** Deploys an instance registered as {@code entry}; completes with its snapshot. */
    Future<JsonObject> deploy(InstanceConfig config);

    Future<Void> undeploy(InstanceRegistry.Entry entry);
  }

  private final String node;
  private final Context context;
  private final InstanceRegistry instances;
  private final BrokerView view;
  private final Deployer deployer;
  private final MqttSession session;
  private final Topics topics;
  private final PrometheusMeterRegistry registry;
  private final ChangeEvents events;
  private final Timeline timeline;
  private final Repairs repairs;
  private final BooleanSupplier brokerConnected;

  NodeApi(String node, Context context, InstanceRegistry instances, BrokerView view, Deployer deployer,
      MqttSession session, Topics topics, PrometheusMeterRegistry registry, ChangeEvents events, Timeline timeline,
      Repairs repairs, BooleanSupplier brokerConnected) {
    this.node = node;
    this.context = context;
    this.instances = instances;
    this.view = view;
    this.deployer = deployer;
    this.session = session;
    this.topics = topics;
    this.registry = registry;
    this.events = events;
    this.timeline = timeline;
    this.repairs = repairs;
    this.brokerConnected = brokerConnected;
  }

  @Override
  public Future<JsonArray> instances() {
    return ContextCalls.call(context, () -> {
      List<Future<JsonObject>> all = new ArrayList<>();
      for (InstanceRegistry.Entry e : instances.live()) {
        all.add(e.verticle.snapshot());
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
    return ContextCalls.call(context, () -> instances.live(name).verticle.snapshot());
  }

  @Override
  public Future<JsonObject> addInstance(InstanceConfig c) {
    // a removal of the same name still under way is waited for: its clears must land before our values
    return ContextCalls.call(context, () -> {
      Future<Void> removed = instances.removed(c.name());
      if (!removed.isComplete()) {
        LOG.info("hot-plug: instance {} waits for its removal under way", c.name());
      }
      return removed.compose(v -> ContextCalls.call(context, () -> {
        instances.checkFree(c);
        LOG.info("hot-plug: instance {}", c.name());
        return deployer.deploy(c);
      }));
    });
  }

  @Override
  public Future<Void> removeInstance(String name) {
    return ContextCalls.call(context, () -> {
      InstanceRegistry.Entry e = instances.take(name);
      LOG.info("hot-unplug: instance {}", name);
      Future<Void> undeployed = deployer.undeploy(e);
      instances.removing(name, undeployed);
      return undeployed;
    });
  }

  @Override
  public Future<JsonObject> setCarrierNotify(String name, boolean enabled) {
    return ContextCalls.call(context, () -> instances.live(name).verticle.setCarrierNotify(enabled));
  }

  @Override
  public Future<JsonObject> announce(String name) {
    return ContextCalls.call(context, () -> instances.live(name).verticle.announce());
  }

  @Override
  public Future<JsonObject> policy(String name) {
    return ContextCalls.call(context, () -> instances.live(name).verticle.policy());
  }

  @Override
  public Future<JsonObject> setPolicy(String name, LinkPolicyConfig policy) {
    return ContextCalls.call(context, () -> instances.live(name).verticle.setPolicy(policy));
  }

  @Override
  public Future<JsonArray> phys() {
    return ContextCalls.get(context, view::physJson);
  }

  @Override
  public Future<Void> phyCommand(String agent, String ifname, PhyCommand command) {
    return ContextCalls.call(context, () -> {
      Buffer payload = Buffer.buffer(Codecs.PHY_COMMAND.encode(command));
      LOG.info("sim command for {}/{}: {}", agent, ifname, payload);
      return session.publish(topics.phyCmd(agent, ifname), payload, false);
    });
  }

  @Override
  public Future<JsonArray> frontends() {
    return ContextCalls.get(context, view::frontendsJson);
  }

  @Override
  public Future<JsonObject> timeline() {
    return Future.succeededFuture(timeline.toJson());
  }

  @Override
  public Future<JsonObject> health() {
    return ContextCalls.call(context, () -> {
      var agents = view.agents();
      return instances().map(list -> Health.degradedBy(
          Health.of(node, brokerConnected.getAsBoolean(), agents, list), repairs.conflicts())
          .put("repairs", repairs.toJson()));
    });
  }

  @Override
  public String metrics() {
    return registry.scrape();
  }

  @Override
  public Runnable onChange(Handler<JsonObject> handler) {
    return events.listen(handler);
  }
}
