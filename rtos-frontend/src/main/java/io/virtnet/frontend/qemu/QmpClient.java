package io.virtnet.frontend.qemu;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.mqtt.Backoff;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QEMU Machine Protocol client on a Vert.x {@link NetClient}: JSON lines, {@code qmp_capabilities}
 * after the greeting, events ignored, replies matched to commands by {@code id}, a per-command
 * timeout, and reconnection with capped exponential backoff and jitter whenever the socket is gone
 * (QEMU not started yet, killed, restarted). All state lives on the context that created the client;
 * methods may be called from any thread and complete their futures on that context.
 */
public final class QmpClient {
  private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);

  /** Told when a QMP session becomes usable (after the capabilities handshake) and when it ends. */
  public interface ConnectionListener {
    /** A fresh session is ready: re-apply whatever state QEMU should have (it may have restarted). */
    void connected(QmpClient client);

    /** The session ended (QEMU gone or closed); commands fail until {@link #connected} again. */
    default void disconnected(QmpClient client, String reason) {}
  }

  private final Vertx vertx;
  private final Context context;
  private final QmpOptions options;
  private final NetClient netClient;
  private final Backoff backoff;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final QmpCommands commands;

  private NetSocket socket;
  private boolean ready;
  private boolean started;
  private boolean closed;
  private long reconnectTimer = -1;
  private long handshakeTimer = -1;
  private volatile JsonObject greeting;
  private volatile boolean connectedFlag;
  private volatile String lastError;
  private volatile Instant lastErrorAt;
  private volatile long sessions;
  private volatile long eventsIgnored;
  /** Whether the current run of failed connects was logged already (log the first, not every retry). */
  private boolean connectFailureLogged;

  private QmpClient(Vertx vertx, QmpOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.netClient = vertx.createNetClient(
        new NetClientOptions().setConnectTimeout((int) options.connectTimeout().toMillis()));
    this.backoff = new Backoff(options.reconnectMin(), options.reconnectMax());
    this.commands = new QmpCommands(vertx, options.commandTimeout(), this::recordError);
  }

  /** A client for {@code options.address()}, bound to the caller's context; call {@link #start()}. */
  public static QmpClient create(Vertx vertx, QmpOptions options) {
    return new QmpClient(vertx, options);
  }

  /**
   * Starts connecting and completes at once: QEMU may not be running yet, the client keeps trying
   * and tells its listeners when a session is ready.
   */
  public Future<Void> start() {
    return onContext(() -> {
      if (!started && !closed) {
        started = true;
        connect();
      }
      return Future.succeededFuture();
    });
  }

  /** Adds a listener; if a session is already up it is told at once. Returns a handle that removes it. */
  public Runnable addConnectionListener(ConnectionListener listener) {
    listeners.add(listener);
    context.runOnContext(v -> {
      if (ready && listeners.contains(listener)) {
        listener.connected(this);
      }
    });
    return () -> listeners.remove(listener);
  }

  /** Runs {@code command} with optional {@code arguments}; the future carries the reply's {@code return} value. */
  public Future<JsonObject> execute(String command, JsonObject arguments) {
    return onContext(() -> {
      if (!ready) {
        commands.refused();
        return Future.failedFuture(new QmpException(QmpException.Reason.NOT_CONNECTED, null,
            "QMP " + options.address() + " not connected" + (lastError == null ? "" : " (" + lastError + ")")));
      }
      return send(command, arguments);
    });
  }

  /** QMP {@code set_link}: the NIC's link as its guest driver sees it ({@code device} = NIC or netdev id). */
  public Future<JsonObject> setLink(String device, boolean up) {
    return execute("set_link", new JsonObject().put("name", device).put("up", up));
  }

  /**
   * QMP {@code announce-self} with QEMU's own announce timings (50 ms initial, 3 rounds, +100 ms, max
   * 550 ms): QEMU sends RARPs and asks guests that negotiated GUEST_ANNOUNCE to announce.
   */
  public Future<JsonObject> announceSelf() {
    return execute("announce-self", new JsonObject().put("initial", 50).put("max", 550).put("rounds", 3).put("step", 100));
  }

  /** True while a session is up (greeting seen and capabilities negotiated). */
  public boolean connected() {
    return connectedFlag;
  }

  /** The last connection or command failure, or null if there was none. */
  public String lastError() {
    return lastError;
  }

  public String address() {
    return options.address();
  }

  /** For /health and the API: address, connected, sessions, last error, QEMU version. */
  public JsonObject status() {
    JsonObject o = new JsonObject()
        .put("address", options.address())
        .put("connected", connectedFlag)
        .put("sessions", sessions)
        .put("commandsFailed", commands.failed())
        .put("eventsIgnored", eventsIgnored)
        .put("lateReplies", commands.lateReplies());
    if (lastError != null) {
      o.put("lastError", lastError).put("lastErrorAt", String.valueOf(lastErrorAt));
    }
    String version = QmpWire.version(greeting);
    if (version != null) {
      o.put("qemu", version);
    }
    return o;
  }

  /** Stops reconnecting, fails pending commands and closes the socket; safe to call twice. */
  public Future<Void> close() {
    return onContext(() -> {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
      if (reconnectTimer != -1) {
        vertx.cancelTimer(reconnectTimer);
      }
      NetSocket s = socket;
      dropSession(s, "QMP client closed");
      Future<Void> sockClosed = s == null ? Future.succeededFuture() : s.close().recover(t -> Future.succeededFuture());
      return sockClosed.compose(v -> netClient.close().recover(t -> Future.succeededFuture()));
    });
  }

  private void connect() {
    reconnectTimer = -1;
    if (closed) {
      return;
    }
    netClient.connect(options.socketAddress()).onComplete(ar -> {
      if (closed) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        recordError("connect " + options.address() + ": " + ar.cause().getMessage());
        if (!connectFailureLogged) {
          LOG.warn("QMP {}: cannot connect ({}); retrying with backoff", options.address(), ar.cause().getMessage());
          connectFailureLogged = true;
        }
        scheduleReconnect();
        return;
      }
      attach(ar.result());
    });
  }

  private void attach(NetSocket s) {
    socket = s;
    greeting = null;
    RecordParser parser = RecordParser.newDelimited("\n", line -> onLine(s, line));
    parser.maxRecordSize(QmpWire.MAX_LINE);
    parser.exceptionHandler(t -> {
      recordError("QMP " + options.address() + ": " + t.getMessage());
      s.close();
    });
    s.handler(parser);
    s.exceptionHandler(t -> recordError("QMP " + options.address() + ": " + t.getMessage()));
    s.closeHandler(v -> onClosed(s));
    // the greeting plus capabilities must come within one command timeout, or this is not a live QMP
    handshakeTimer = vertx.setTimer(options.commandTimeout().toMillis() + options.connectTimeout().toMillis(), id -> {
      handshakeTimer = -1;
      if (socket == s && !ready) {
        // QEMU serves one QMP client per socket: a second one is accepted but never greeted
        recordError("QMP " + options.address() + ": no greeting/capabilities reply in time"
            + (greeting == null ? " (is another QMP client holding this socket?)" : ""));
        s.close();
      }
    });
  }

  private void onLine(NetSocket s, Buffer line) {
    if (socket != s) {
      return;
    }
    QmpWire.Line l = QmpWire.parse(line.toString());
    if (l instanceof QmpWire.Greeting g) {
      onGreeting(s, g.message());
    } else if (l instanceof QmpWire.Event e) {
      eventsIgnored++;
      LOG.debug("QMP {}: event {}", options.address(), e.name());
    } else if (l instanceof QmpWire.Reply r && !commands.complete(r)) {
      LOG.debug("QMP {}: reply for no waiting command (timed out earlier?)", options.address());
    } else if (l instanceof QmpWire.Unknown u) {
      LOG.warn("QMP {}: ignoring {}: {}", options.address(),
          u.json() ? "an unknown message" : "a line that is not a JSON object", u.text());
    }
  }

  private void onGreeting(NetSocket s, JsonObject msg) {
    if (greeting != null) {
      LOG.warn("QMP {}: ignoring a second greeting", options.address());
      return;
    }
    greeting = msg;
    send("qmp_capabilities", null).onComplete(ar -> {
      if (socket != s) {
        return;
      }
      if (ar.failed()) {
        recordError("QMP " + options.address() + ": qmp_capabilities failed: " + ar.cause().getMessage());
        s.close();
        return;
      }
      cancelHandshakeTimer();
      ready = true;
      connectedFlag = true;
      sessions++;
      backoff.reset();
      connectFailureLogged = false;
      LOG.info("QMP {}: connected ({})", options.address(), status().getString("qemu", "unknown version"));
      tellListeners(l -> l.connected(this));
    });
  }

  private Future<JsonObject> send(String command, JsonObject arguments) {
    Promise<JsonObject> promise = Promise.promise();
    long id = commands.register(command, promise);
    socket.write(QmpWire.command(id, command, arguments)).onFailure(t -> commands.writeFailed(id, t));
    return promise.future();
  }

  private void onClosed(NetSocket s) {
    if (socket != s) {
      return;
    }
    boolean wasReady = ready;
    dropSession(s, "QMP connection to " + options.address() + " closed");
    if (wasReady) {
      LOG.warn("QMP {}: connection closed; reconnecting", options.address());
    }
    if (!closed) {
      scheduleReconnect();
    }
  }

  /** Forgets the socket, fails what was waiting on it and tells listeners if a session was up. */
  private void dropSession(NetSocket s, String reason) {
    boolean wasReady = ready;
    socket = null;
    ready = false;
    connectedFlag = false;
    cancelHandshakeTimer();
    if (s != null) {
      if (wasReady) {
        recordError(reason);
      }
      commands.failAll(reason);
    }
    if (wasReady) {
      tellListeners(l -> l.disconnected(this, reason));
    }
  }

  private void tellListeners(Consumer<ConnectionListener> call) {
    for (ConnectionListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("QMP {}: connection listener failed", options.address(), e);
      }
    }
  }

  private void scheduleReconnect() {
    if (closed || reconnectTimer != -1) {
      return;
    }
    long delay = backoff.nextDelayMs();
    LOG.debug("QMP {}: reconnecting in {} ms ({})", options.address(), delay, lastError);
    reconnectTimer = vertx.setTimer(delay, id -> connect());
  }

  private void cancelHandshakeTimer() {
    if (handshakeTimer != -1) {
      vertx.cancelTimer(handshakeTimer);
      handshakeTimer = -1;
    }
  }

  private void recordError(String text) {
    lastError = text;
    lastErrorAt = Instant.now();
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    return ContextCalls.call(context, action);
  }
}
