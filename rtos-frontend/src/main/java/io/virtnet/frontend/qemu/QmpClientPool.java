package io.virtnet.frontend.qemu;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One {@link QmpClient} per QMP address, shared by every device bound to the same VM: QEMU serves
 * one client per {@code -qmp} socket at a time (a second connection is accepted but never greeted),
 * so two NICs of one VM must share a session. Reference-counted: the first {@link #acquire} creates
 * and starts the client, the last {@link #release} closes it. Use it from its owner's context only
 * (e.g. one pool per CPU verticle).
 */
public final class QmpClientPool {
  private final Vertx vertx;
  private final Function<String, QmpOptions> optionsFor;
  private final Map<String, Entry> clients = new HashMap<>();

  private static final class Entry {
    final QmpClient client;
    int refs;

    Entry(QmpClient client) {
      this.client = client;
    }
  }

  /** A pool whose clients use {@code optionsFor.apply(address)}. */
  public QmpClientPool(Vertx vertx, Function<String, QmpOptions> optionsFor) {
    this.vertx = vertx;
    this.optionsFor = optionsFor;
  }

  /** A pool with default timeouts and backoff. */
  public QmpClientPool(Vertx vertx) {
    this(vertx, QmpOptions::of);
  }

  /** The shared client for {@code address} (started on first use); pair with {@link #release}. */
  public QmpClient acquire(String address) {
    Entry e = clients.computeIfAbsent(address, a -> {
      QmpClient c = QmpClient.create(vertx, optionsFor.apply(a));
      c.start();
      return new Entry(c);
    });
    e.refs++;
    return e.client;
  }

  /** Drops one reference; closes the client when it was the last. */
  public Future<Void> release(String address) {
    Entry e = clients.get(address);
    if (e == null) {
      return Future.succeededFuture();
    }
    if (--e.refs > 0) {
      return Future.succeededFuture();
    }
    clients.remove(address);
    return e.client.close();
  }

  /** Closes every client regardless of references (verticle stop); safe twice. */
  public Future<Void> closeAll() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(e -> closing.add(e.client.close()));
    clients.clear();
    return Future.join(closing).mapEmpty();
  }

  /** Address → client status, for /health and the API. */
  public JsonObject status() {
    JsonObject o = new JsonObject();
    clients.forEach((address, e) -> o.put(address, e.client.status().put("users", e.refs)));
    return o;
  }
}
