package io.virtnet.backend.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.BackendNodeVerticle;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.RemoteTargets;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The unauthenticated API may not make the frontend connect to another host: a {@code frontend} that
 * names a remote VM-control target is refused with 403 and the reason, unless
 * {@code frontend.remoteTargets} lists it; this host's targets are always accepted.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RemoteTargetsApiTest {

  @Test
  void remoteTarget_isRefusedWith403_unlessListed(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String prefix = TestMqtt.uniquePrefix();
    BackendConfig cfg = new BackendConfig("b" + prefix, "127.0.0.1", 0, AgentLossPolicy.DOWN, List.of(),
        new RemoteTargets(Set.of("tcp:10.9.8.7:4444")));
    BackendNodeVerticle node = new BackendNodeVerticle(cfg, new MqttConfig(prefix),
        MqttSessionOptions.forBroker(broker.uri(), "x"), MetricsRegistry.create());
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    WebClient web = WebClient.create(vertx);
    try {
      HttpResponse<?> ssh = post(web, node, "vm0", 40, new JsonObject().put("kind", "libvirt")
          .put("uri", "qemu+ssh://root@lab1/system").put("domain", "vm0").put("interface", "52:54:00:00:00:01"));
      assertThat(ssh.statusCode()).isEqualTo(403);
      assertThat(ssh.bodyAsJsonObject().getString("error")).isEqualTo("frontend libvirt target "
          + "'qemu+ssh://root@lab1/system' is not on this host; an instance may name a remote target only if "
          + "frontend.remoteTargets lists it");
      HttpResponse<?> tcp = post(web, node, "vm1", 41, new JsonObject().put("kind", "qemu").put("qmp", "tcp:10.0.0.5:4444")
          .put("device", "nic0"));
      assertThat(tcp.statusCode()).isEqualTo(403);
      assertThat(get(web, node, "/api/instances/vm0")).as("nothing was deployed").isEqualTo(404);

      assertThat(post(web, node, "vm2", 42, new JsonObject().put("kind", "libvirt").put("uri", "qemu:///system")
          .put("domain", "vm2").put("interface", "52:54:00:00:00:02")).statusCode()).as("this host").isEqualTo(201);
      assertThat(post(web, node, "vm3", 43, new JsonObject().put("kind", "qemu").put("qmp", "tcp:10.9.8.7:4444")
          .put("device", "nic0")).statusCode()).as("listed in frontend.remoteTargets").isEqualTo(201);
    } finally {
      web.close();
      vertx.undeploy(node.deploymentID()).await(20, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<?> post(WebClient web, BackendNodeVerticle node, String name, int irq, JsonObject frontend)
      throws Exception {
    JsonObject body = new JsonObject().put("name", name).put("phy", "eth0").put("agent", "linux0").put("cpu", 2)
        .put("irq", irq).put("frontend", frontend);
    return web.post(node.httpPort(), "127.0.0.1", "/api/instances").sendJsonObject(body).await(10, TimeUnit.SECONDS);
  }

  private static int get(WebClient web, BackendNodeVerticle node, String path) throws Exception {
    return web.get(node.httpPort(), "127.0.0.1", path).send().await(10, TimeUnit.SECONDS).statusCode();
  }
}
