package io.virtnet.frontend.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QmpClientTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;
  private FakeQmpServer server;
  private QmpClient client;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    server = new FakeQmpServer(vertx, dir);
    get(server.start());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      get(client.close());
    }
    get(server.stop());
  }

  private QmpClient client(Vertx vertx, Duration commandTimeout) {
    client = QmpClient.create(vertx, QmpOptions.of(server.address())
        .withCommandTimeout(commandTimeout)
        .withReconnect(Duration.ofMillis(20), Duration.ofMillis(200)));
    return client;
  }

  @Test
  void handshake_sendsCapabilitiesFirst_thenReportsConnected(Vertx vertx) throws Exception {
    QmpClient c = client(vertx, Duration.ofSeconds(2));
    get(c.start());

    await().atMost(WAIT).until(c::connected);
    assertThat(server.received()).first().satisfies(cmd -> assertThat(cmd.getString("execute")).isEqualTo("qmp_capabilities"));
    assertThat(c.status().getString("qemu")).isEqualTo("7.2.0");
    assertThat(c.status().getBoolean("connected")).isTrue();
  }

  @Test
  void setLink_and_announceSelf_sendQemuArguments(Vertx vertx) throws Exception {
    QmpClient c = connected(vertx, Duration.ofSeconds(2));

    get(c.setLink("nic0", false));
    get(c.announceSelf());

    assertThat(server.received("set_link")).singleElement().satisfies(cmd ->
        assertThat(cmd.getJsonObject("arguments")).isEqualTo(new JsonObject().put("name", "nic0").put("up", false)));
    assertThat(server.received("announce-self")).singleElement().satisfies(cmd ->
        assertThat(cmd.getJsonObject("arguments")).isEqualTo(
            new JsonObject().put("initial", 50).put("max", 550).put("rounds", 3).put("step", 100)));
  }

  @Test
  void replies_areMatchedToTheirCommands_evenOutOfOrder(Vertx vertx) throws Exception {
    // GIVEN a server that answers the first command late and the second at once, echoing the arguments
    AtomicInteger n = new AtomicInteger();
    server.behaviour(cmd -> FakeQmpServer.Reply.ok(cmd.getJsonObject("arguments")).after(n.getAndIncrement() == 0 ? 200 : 0));
    QmpClient c = connected(vertx, Duration.ofSeconds(2));

    // WHEN two commands are in flight
    Future<JsonObject> first = c.setLink("nic0", true);
    Future<JsonObject> second = c.setLink("nic1", false);

    // THEN each gets its own reply
    assertThat(get(second).getString("name")).isEqualTo("nic1");
    assertThat(get(first).getString("name")).isEqualTo("nic0");
  }

  @Test
  void errorReply_failsTheCommandWithQemusErrorClass(Vertx vertx) throws Exception {
    server.behaviour(cmd -> FakeQmpServer.Reply.error("DeviceNotFound", "Device 'nic9' not found"));
    QmpClient c = connected(vertx, Duration.ofSeconds(2));

    assertThatThrownBy(() -> get(c.setLink("nic9", true)))
        .cause().isInstanceOfSatisfying(QmpException.class, e -> {
          assertThat(e.reason()).isEqualTo(QmpException.Reason.ERROR_REPLY);
          assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
          assertThat(e.getMessage()).contains("set_link", "Device 'nic9' not found");
        });
    assertThat(c.lastError()).contains("DeviceNotFound");
    assertThat(c.connected()).isTrue();
  }

  @Test
  void events_areIgnored(Vertx vertx) throws Exception {
    server.eventBeforeEachReply(true);
    QmpClient c = connected(vertx, Duration.ofSeconds(2));

    for (int i = 0; i < 5; i++) {
      assertThat(get(c.setLink("nic0", i % 2 == 0))).isEqualTo(new JsonObject());
    }
    assertThat(c.status().getLong("eventsIgnored")).isGreaterThanOrEqualTo(5L);
  }

  @Test
  void slowServer_commandTimesOut_andTheSessionStaysUsable(Vertx vertx) throws Exception {
    server.behaviour(cmd -> "announce-self".equals(cmd.getString("execute"))
        ? FakeQmpServer.Reply.ok().after(1_000) : FakeQmpServer.Reply.ok());
    QmpClient c = connected(vertx, Duration.ofMillis(200));

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> get(c.announceSelf()))
        .cause().isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.reason()).isEqualTo(QmpException.Reason.TIMEOUT));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(900));

    // the late reply is dropped by id, not taken for the next command's
    assertThat(get(c.setLink("nic0", true))).isEqualTo(new JsonObject());
    await().atMost(WAIT).until(() -> c.status().getLong("lateReplies") == 1L);
    assertThat(get(c.setLink("nic0", false))).isEqualTo(new JsonObject());
    assertThat(c.connected()).isTrue();
  }

  @Test
  void notConnected_failsAtOnce_withTheReason(Vertx vertx) throws Exception {
    get(server.stop());
    QmpClient c = client(vertx, Duration.ofSeconds(2));
    get(c.start());

    await().atMost(WAIT).until(() -> c.lastError() != null);
    assertThatThrownBy(() -> get(c.setLink("nic0", true)))
        .cause().isInstanceOfSatisfying(QmpException.class, e -> {
          assertThat(e.reason()).isEqualTo(QmpException.Reason.NOT_CONNECTED);
          assertThat(e.getMessage()).contains("connect " + server.address());
        });
  }

  @Test
  void qemuStartedLate_clientConnectsWhenItAppears(Vertx vertx) throws Exception {
    get(server.stop());
    QmpClient c = client(vertx, Duration.ofSeconds(2));
    get(c.start());
    await().atMost(WAIT).until(() -> c.lastError() != null);
    assertThat(c.connected()).isFalse();

    get(server.start());

    await().atMost(WAIT).until(c::connected);
  }

  @Test
  void serverGone_pendingFails_reconnects_andListenerReapplies(Vertx vertx) throws Exception {
    // GIVEN a connected client whose listener re-applies a link state on every session
    server.behaviour(cmd -> "set_link".equals(cmd.getString("execute")) && !cmd.getJsonObject("arguments").getBoolean("up")
        ? FakeQmpServer.Reply.silence() : FakeQmpServer.Reply.ok());
    QmpClient c = client(vertx, Duration.ofSeconds(5));
    List<String> sessions = new CopyOnWriteArrayList<>();
    c.addConnectionListener(new QmpClient.ConnectionListener() {
      @Override
      public void connected(QmpClient client) {
        sessions.add("up");
        client.setLink("nic0", true);
      }

      @Override
      public void disconnected(QmpClient client, String reason) {
        sessions.add("down");
      }
    });
    get(c.start());
    await().atMost(WAIT).until(() -> server.received("set_link").size() == 1);
    Future<JsonObject> unanswered = c.setLink("nic0", false);
    await().atMost(WAIT).until(() -> server.received("set_link").size() == 2);

    // WHEN QEMU goes away and comes back
    get(server.stop());

    // THEN the waiting command fails at once, and the new session is re-applied
    assertThatThrownBy(() -> get(unanswered))
        .cause().isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.reason()).isEqualTo(QmpException.Reason.CLOSED));
    await().atMost(WAIT).until(() -> !c.connected());
    get(server.start());
    await().atMost(WAIT).until(() -> server.received("set_link").size() == 3);
    assertThat(server.received("set_link").get(2).getJsonObject("arguments").getBoolean("up")).isTrue();
    assertThat(sessions).containsExactly("up", "down", "up");
    assertThat(server.accepted()).isEqualTo(2);
    assertThat(c.status().getLong("sessions")).isEqualTo(2L);
  }

  @Test
  void close_isSafeTwice_andStopsReconnecting(Vertx vertx) throws Exception {
    QmpClient c = connected(vertx, Duration.ofSeconds(2));
    get(c.close());
    get(c.close());
    int accepted = server.accepted();

    // no reconnection attempts after close
    await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> server.accepted() == accepted);
    assertThat(c.connected()).isFalse();
    assertThatThrownBy(() -> get(c.setLink("nic0", true))).cause().isInstanceOf(QmpException.class);
  }

  @Test
  void addresses_unixAndTcp_areParsed_andGarbageIsRejected() {
    assertThat(QmpOptions.parseAddress("unix:/run/vm1/qmp.sock")).isEqualTo(SocketAddress.domainSocketAddress("/run/vm1/qmp.sock"));
    assertThat(QmpOptions.parseAddress("tcp:127.0.0.1:4444")).isEqualTo(SocketAddress.inetSocketAddress(4444, "127.0.0.1"));
    assertThat(QmpOptions.parseAddress("tcp:[::1]:4444").port()).isEqualTo(4444);
    for (String bad : new String[] {"unix:", "tcp:host", "tcp:host:0", "tcp:host:99999", "/run/qmp.sock", "tcp::4444"}) {
      assertThatThrownBy(() -> QmpOptions.parseAddress(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
    }
  }

  private QmpClient connected(Vertx vertx, Duration commandTimeout) throws Exception {
    QmpClient c = client(vertx, commandTimeout);
    get(c.start());
    await().atMost(WAIT).until(c::connected);
    return c;
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
