package io.virtnet.frontend.qemu;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A protocol peer standing in for QEMU's monitor on a unix socket: greeting, {@code qmp_capabilities},
 * then whatever {@link #behaviour} answers per command (return, error, delayed, or silence), echoing
 * the command's {@code id}. Records every command it received. Can be stopped and started again on
 * the same path, as a QEMU that is killed and restarted.
 */
public final class FakeQmpServer {
  /** How to answer one command: {@code message} null means never answer. */
  public record Reply(JsonObject message, long delayMs) {
    public static Reply ok() {
      return new Reply(new JsonObject().put("return", new JsonObject()), 0);
    }

    public static Reply ok(JsonObject value) {
      return new Reply(new JsonObject().put("return", value), 0);
    }

    public static Reply error(String cls, String desc) {
      return new Reply(new JsonObject().put("error", new JsonObject().put("class", cls).put("desc", desc)), 0);
    }

    public static Reply silence() {
      return new Reply(null, 0);
    }

    public Reply after(long ms) {
      return new Reply(message, ms);
    }
  }

  private final Vertx vertx;
  private final Path socketPath;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final Set<NetSocket> connections = ConcurrentHashMap.newKeySet();
  private volatile Function<JsonObject, Reply> behaviour = cmd -> Reply.ok();
  private volatile boolean eventBeforeEachReply;
  private volatile int accepted;
  private NetServer server;

  public FakeQmpServer(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.socketPath = dir.resolve("qmp.sock");
  }

  public String address() {
    return "unix:" + socketPath;
  }

  /** Answers commands other than {@code qmp_capabilities} with {@code behaviour}. */
  public FakeQmpServer behaviour(Function<JsonObject, Reply> behaviour) {
    this.behaviour = behaviour;
    return this;
  }

  /** Sends a QMP event line before every reply, as QEMU may interleave them at any time. */
  public FakeQmpServer eventBeforeEachReply(boolean on) {
    this.eventBeforeEachReply = on;
    return this;
  }

  /** Every command received (including {@code qmp_capabilities}), across connections. */
  public List<JsonObject> received() {
    return received;
  }

  /** The received commands named {@code execute}. */
  public List<JsonObject> received(String execute) {
    return received.stream().filter(c -> execute.equals(c.getString("execute"))).toList();
  }

  public int accepted() {
    return accepted;
  }

  public Future<Void> start() {
    try {
      Files.deleteIfExists(socketPath);
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    server = vertx.createNetServer().connectHandler(this::onConnect);
    return server.listen(SocketAddress.domainSocketAddress(socketPath.toString())).mapEmpty();
  }

  /** Closes the listener and every connection, as a QEMU that went away. */
  public Future<Void> stop() {
    NetServer s = server;
    server = null;
    connections.forEach(NetSocket::close);
    connections.clear();
    Future<Void> closed = s == null ? Future.succeededFuture() : s.close();
    return closed.onComplete(ar -> {
      try {
        Files.deleteIfExists(socketPath);
      } catch (IOException e) {
        // a stale socket file only makes the client's connect fail, which is what a test wants
      }
    });
  }

  private void onConnect(NetSocket socket) {
    accepted++;
    connections.add(socket);
    socket.closeHandler(v -> connections.remove(socket));
    socket.handler(RecordParser.newDelimited("\n", line -> {
      JsonObject cmd = new JsonObject(line.toString().trim());
      received.add(cmd);
      Reply reply = "qmp_capabilities".equals(cmd.getString("execute")) ? Reply.ok() : behaviour.apply(cmd);
      if (reply.message() == null) {
        return;
      }
      JsonObject msg = reply.message().copy();
      if (cmd.containsKey("id")) {
        msg.put("id", cmd.getValue("id"));
      }
      Runnable send = () -> {
        if (eventBeforeEachReply) {
          socket.write(new JsonObject().put("event", "NIC_RX_FILTER_CHANGED")
              .put("data", new JsonObject().put("name", "nic0"))
              .put("timestamp", new JsonObject().put("seconds", 1).put("microseconds", 2)).encode() + "\r\n");
        }
        socket.write(msg.encode() + "\r\n");
      };
      if (reply.delayMs() > 0) {
        vertx.setTimer(reply.delayMs(), id -> send.run());
      } else {
        send.run();
      }
    }));
    socket.write("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"fake\"}, "
        + "\"capabilities\": [\"oob\"]}}\r\n");
  }
}
