package io.virtnet.backend;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A node's change events ({@code {"type":"instance"|"phy"|"link","data":{…}}}) for the API's
 * server-sent events. Events are built and published only while somebody listens: building a JSON
 * snapshot for every change nobody watches cost about a seventh of the event loops in a storm.
 */
public final class ChangeEvents {
  private final Vertx vertx;
  private final String address;
  private final AtomicInteger listeners = new AtomicInteger();

  public ChangeEvents(Vertx vertx, String node) {
    this.vertx = vertx;
    this.address = "virtnet.backend." + node + ".events";
  }

  /** True while at least one listener is registered. */
  public boolean listened() {
    return listeners.get() > 0;
  }

  /** Publishes an event whose data {@code data} builds, if anybody listens. */
  public void publish(String type, Supplier<JsonObject> data) {
    if (listened()) {
      vertx.eventBus().publish(address, new JsonObject().put("type", type).put("data", data.get()));
    }
  }

  /** Runs {@code handler} on the caller's context for every event from now on; returns the remover. */
  public Runnable listen(Handler<JsonObject> handler) {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(address, m -> handler.handle(m.body()));
    listeners.incrementAndGet();
    AtomicBoolean removed = new AtomicBoolean();
    return () -> {
      if (removed.compareAndSet(false, true)) {
        listeners.decrementAndGet();
        consumer.unregister();
      }
    };
  }
}
