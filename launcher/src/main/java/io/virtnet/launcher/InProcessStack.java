package io.virtnet.launcher;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.virtnet.agent.PhyAgentVerticle;
import io.virtnet.agent.PhySource;
import io.virtnet.backend.BackendNodeVerticle;
import io.virtnet.frontend.FrontendNodeVerticle;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The three services deployed in one Vert.x instance against one broker: agent first (so PHY state
 * is retained), then the backend, then the frontends. Stopping undeploys in reverse order, so holds
 * are put and "offline" is published before the broker goes.
 */
public final class InProcessStack {
  private final Vertx vertx;
  private final List<String> deployments = new ArrayList<>();
  private final BackendNodeVerticle backend;
  private final PrometheusMeterRegistry registry;

  private InProcessStack(Vertx vertx, BackendNodeVerticle backend, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.backend = backend;
    this.registry = registry;
  }

  /**
   * Event loops for a stack sharing the machine with its broker: half the CPUs, at least one. The
   * stack's work is a chain of small tasks, and each hand-over between event-loop threads costs a
   * wake-up; on 2 CPUs with the embedded broker, one loop delivered ~20 % more events per second
   * than Vert.x's default of 2 per CPU (BENCHMARKS.md, scenario c).
   */
  public static int defaultEventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** Vert.x options with {@code eventLoops} event-loop threads. */
  public static VertxOptions vertxOptions(int eventLoops) {
    return new VertxOptions().setEventLoopPoolSize(eventLoops);
  }

  /**
   * Deploys the stack. {@code session} gives the broker options for a client id (each service
   * overrides the id with its own).
   */
  public static Future<InProcessStack> deploy(Vertx vertx, StackOptions options, Function<String, MqttSessionOptions> session) {
    return deploy(vertx, options, session, PhyAgentVerticle::defaultSource);
  }

  /** As {@link #deploy(Vertx, StackOptions, Function)}, with the agent's PHY source made by {@code phySource}. */
  public static Future<InProcessStack> deploy(Vertx vertx, StackOptions options, Function<String, MqttSessionOptions> session,
      PhySource.Factory phySource) {
    PrometheusMeterRegistry registry = MetricsRegistry.create();
    PhyAgentVerticle agent = new PhyAgentVerticle(options.agent(), options.mqtt(), session.apply("vnet-agent"), registry,
        phySource, PhyAgentVerticle.DEFAULT_REBROADCAST_INTERVAL, PhyAgentVerticle.DEFAULT_WARN_INTERVAL);
    BackendNodeVerticle backend = new BackendNodeVerticle(options.backend(), options.mqtt(), session.apply("vnet-backend"), registry);
    FrontendNodeVerticle frontend = new FrontendNodeVerticle(options.frontend(), options.mqtt(), session.apply("vnet-frontend"), registry);
    InProcessStack stack = new InProcessStack(vertx, backend, registry);
    return vertx.deployVerticle(agent)
        .compose(id -> {
          stack.deployments.add(id);
          return vertx.deployVerticle(backend);
        })
        .compose(id -> {
          stack.deployments.add(id);
          return vertx.deployVerticle(frontend);
        })
        .map(id -> {
          stack.deployments.add(id);
          return stack;
        });
  }

  /** The port the backend's HTTP API and dashboard listen on. */
  public int httpPort() {
    return backend.httpPort();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Undeploys frontends, backend, then agent. */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    return chain.onComplete(ar -> deployments.clear());
  }
}
