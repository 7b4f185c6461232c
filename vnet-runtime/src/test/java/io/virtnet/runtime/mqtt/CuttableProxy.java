package io.virtnet.runtime.mqtt;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on a free loopback port in front of the broker, whose connections the test can cut: the
 * broker then sees its client's socket close without a DISCONNECT, as when a process or a link dies.
 */
final class CuttableProxy implements AutoCloseable {
  private final NetServer server;
  private final NetClient client;
  private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();

  private CuttableProxy(NetServer server, NetClient client) {
    this.server = server;
    this.client = client;
  }

  static CuttableProxy start(Vertx vertx, String host, int port) throws Exception {
    NetClient client = vertx.createNetClient();
    NetServer server = vertx.createNetServer();
    CuttableProxy proxy = new CuttableProxy(server, client);
    server.connectHandler(in -> {
      in.pause();
      proxy.sockets.add(in);
      client.connect(port, host).onComplete(ar -> {
        if (ar.failed()) {
          in.close();
          return;
        }
        NetSocket out = ar.result();
        proxy.sockets.add(out);
        out.pipeTo(in);
        in.pipeTo(out);
      });
    });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return proxy;
  }

  int port() {
    return server.actualPort();
  }

  /** Closes every proxied connection, both sides; new connections are still accepted. */
  void cut() {
    for (NetSocket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  @Override
  public void close() throws Exception {
    cut();
    server.close().await(10, TimeUnit.SECONDS);
    client.close().await(10, TimeUnit.SECONDS);
  }
}
