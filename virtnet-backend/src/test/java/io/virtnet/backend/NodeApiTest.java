package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.runtime.ContextCalls;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the node's API sequences hot-plug and remove of one name (issue 18 item 3): the old instance's
 * clearing publishes (its undeploy) complete before a new instance of that name is deployed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class NodeApiTest {
  private static InstanceConfig cfg(String mac) {
    return new InstanceConfig("vn0", "eth0", "linux0", 2, 42, mac, InstanceConfig.DEFAULT_FEATURES, true,
        LinkPolicyConfig.DEFAULTS, null);
  }

  /** Deploys into the registry at once; undeploys when the test completes {@link #undeploy}. */
  private static final class RecordingDeployer implements NodeApi.Deployer {
    final InstanceRegistry registry;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Promise<Void> undeploy = Promise.promise();

    RecordingDeployer(InstanceRegistry registry) {
      this.registry = registry;
    }

    @Override
    public Future<JsonObject> deploy(InstanceConfig c) {
      calls.add("deploy " + c.mac());
      registry.add(c, null).deploymentId = "d-" + c.mac();
      return Future.succeededFuture(new JsonObject());
    }

    @Override
    public Future<Void> undeploy(InstanceRegistry.Entry e) {
      calls.add("undeploy " + e.config.mac());
      return undeploy.future();
    }
  }

  @Test
  void aHotPlugOfANameBeingRemoved_isDeployedOnlyOnceTheRemovalCompleted(Vertx vertx) throws Exception {
    Context context = vertx.getOrCreateContext();
    InstanceRegistry registry = new InstanceRegistry();
    RecordingDeployer deployer = new RecordingDeployer(registry);
    // only the registry and the deployer take part in hot-plug and remove
    NodeApi api = new NodeApi("n0", context, registry, null, deployer, null, null, null, null, null, null, () -> true);
    api.addInstance(cfg("02:00:00:00:00:01")).await(5, TimeUnit.SECONDS);

    // WHEN the instance is removed and, at once, added twice again with another MAC
    Future<Void> removed = api.removeInstance("vn0");
    Future<JsonObject> added = api.addInstance(cfg("02:00:00:00:00:02"));
    Future<JsonObject> addedTwice = api.addInstance(cfg("02:00:00:00:00:02"));
    ContextCalls.get(context, () -> "after both").await(5, TimeUnit.SECONDS); // the node handled both calls

    // THEN nothing is deployed while the old instance's undeploy (its clears) is under way
    assertThat(deployer.calls).containsExactly("deploy 02:00:00:00:00:01", "undeploy 02:00:00:00:00:01");
    assertThat(added.isComplete()).isFalse();
    assertThat(removed.isComplete()).isFalse();

    // AND once it completed, one new instance is deployed; the second add finds the name taken
    ContextCalls.run(context, () -> deployer.undeploy.complete());
    removed.await(5, TimeUnit.SECONDS);
    added.await(5, TimeUnit.SECONDS);
    Throwable refused = addedTwice.transform(ar -> Future.succeededFuture(ar.cause())).await(5, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(deployer.calls).containsExactly("deploy 02:00:00:00:00:01", "undeploy 02:00:00:00:00:01",
        "deploy 02:00:00:00:00:02");
  }
}
