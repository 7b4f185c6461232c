package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import org.junit.jupiter.api.Test;

class InstanceRegistryTest {
  private static InstanceConfig cfg(String name, String phy, int cpu, int irq) {
    return new InstanceConfig(name, phy, "linux0", cpu, irq, null, InstanceConfig.DEFAULT_FEATURES, true,
        LinkPolicyConfig.DEFAULTS, null);
  }

  @Test
  void duplicateNameOrRouteIsAConflict_unknownOrStartingIsNotFound() {
    InstanceRegistry r = new InstanceRegistry();
    InstanceRegistry.Entry vn0 = r.add(cfg("vn0", "eth0", 2, 42), null);
    assertThatThrownBy(() -> r.checkFree(cfg("vn0", "eth1", 3, 43)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThatThrownBy(() -> r.checkFree(cfg("vn1", "eth1", 2, 42)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("'vn0'"));
    r.checkFree(cfg("vn1", "eth1", 2, 43));

    assertThatThrownBy(() -> r.live("vn0")) // still starting
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    vn0.deploymentId = "d0";
    assertThat(r.live("vn0")).isSameAs(vn0);
    assertThat(r.take("vn0")).isSameAs(vn0);
    assertThatThrownBy(() -> r.live("vn0")).isInstanceOf(ApiException.class);
  }

  @Test
  void watchingListsTheInstancesOfOnePhy_aFailedStartIsForgotten() {
    InstanceRegistry r = new InstanceRegistry();
    r.add(cfg("vn0", "eth0", 2, 42), null);
    InstanceRegistry.Entry vn1 = r.add(cfg("vn1", "eth1", 2, 43), null);
    r.add(cfg("vn2", "eth0", 3, 44), null);
    assertThat(r.watching("linux0", "eth0")).containsExactly("vn0", "vn2");
    r.remove(vn1);
    assertThat(r.size()).isEqualTo(2);
  }

  @Test
  void aNameBeingRemovedIsAwaited_untilItsRemovalSettled_evenAFailedOne() {
    InstanceRegistry r = new InstanceRegistry();
    assertThat(r.removed("vn0").succeeded()).as("nothing under way").isTrue();
    Promise<Void> undeploy = Promise.promise();
    r.removing("vn0", undeploy.future());
    Future<Void> waiting = r.removed("vn0");
    assertThat(waiting.isComplete()).isFalse();
    assertThat(r.removed("vn1").succeeded()).as("another name").isTrue();

    undeploy.fail("stop failed"); // the instance is gone either way: the name is free again
    assertThat(waiting.succeeded()).isTrue();
    assertThat(r.removed("vn0").succeeded()).isTrue();
  }
}
