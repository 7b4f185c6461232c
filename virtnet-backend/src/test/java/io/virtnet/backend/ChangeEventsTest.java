package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ChangeEventsTest {

  @Test
  void eventsAreBuiltOnlyWhileSomebodyListens(Vertx vertx, VertxTestContext ctx) {
    ChangeEvents events = new ChangeEvents(vertx, "backend0");
    AtomicInteger built = new AtomicInteger();
    events.publish("phy", () -> new JsonObject().put("n", built.incrementAndGet()));
    assertThat(built).hasValue(0);
    assertThat(events.listened()).isFalse();

    Runnable[] stop = new Runnable[1];
    stop[0] = events.listen(e -> ctx.verify(() -> {
      assertThat(e.getString("type")).isEqualTo("phy");
      assertThat(e.getJsonObject("data").getInteger("n")).isEqualTo(1);
      stop[0].run();
      stop[0].run(); // a second removal (close after an exception) must not count twice
      assertThat(events.listened()).isFalse();
      events.publish("phy", () -> new JsonObject().put("n", built.incrementAndGet()));
      assertThat(built).hasValue(1);
      ctx.completeNow();
    }));
    assertThat(events.listened()).isTrue();
    events.publish("phy", () -> new JsonObject().put("n", built.incrementAndGet()));
  }
}
