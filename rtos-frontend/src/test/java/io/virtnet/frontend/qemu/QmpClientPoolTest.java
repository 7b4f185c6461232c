package io.virtnet.frontend.qemu;

import static io.virtnet.frontend.qemu.QmpClientTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QmpClientPoolTest {
  @TempDir Path dir;

  @Test
  void devicesOfOneVm_shareOneSession_closedWithTheLastUser(Vertx vertx) throws Exception {
    FakeQmpServer server = new FakeQmpServer(vertx, dir);
    get(server.start());
    QmpClientPool pool = new QmpClientPool(vertx);
    try {
      QmpClient a = pool.acquire(server.address());
      QmpClient b = pool.acquire(server.address());
      assertThat(b).isSameAs(a);
      await().atMost(Duration.ofSeconds(5)).until(a::connected);
      assertThat(server.accepted()).isEqualTo(1);
      assertThat(pool.status().getJsonObject(server.address()).getInteger("users")).isEqualTo(2);

      get(pool.release(server.address()));
      assertThat(a.connected()).isTrue();
      get(pool.release(server.address()));

      assertThat(a.connected()).isFalse();
      assertThat(pool.status().isEmpty()).isTrue();
    } finally {
      get(pool.closeAll());
      get(pool.closeAll());
      get(server.stop());
    }
  }
}
