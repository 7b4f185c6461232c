package io.virtnet.frontend.qemu;

import static io.virtnet.frontend.qemu.QmpClientTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.virtnet.frontend.nic.NicLinkException;
import io.virtnet.frontend.nic.NicLinkForwarder;
import io.virtnet.frontend.nic.NicLinkState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NicLinkForwarderTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;
  private FakeQmpServer server;
  private QmpClient qmp;
  private NicLinkForwarder core;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    server = new FakeQmpServer(vertx, dir);
    get(server.start());
    qmp = QmpClient.create(vertx, QmpOptions.of(server.address())
        .withCommandTimeout(Duration.ofMillis(500))
        .withReconnect(Duration.ofMillis(20), Duration.ofMillis(200)));
    core = new NicLinkForwarder(vertx, QmpNicControl.over(qmp, "nic0"));
    get(qmp.start());
    await().atMost(WAIT).until(qmp::connected);
  }

  @AfterEach
  void tearDown() throws Exception {
    get(core.close());
    get(core.close());
    get(qmp.close());
    get(server.stop());
  }

  private List<Boolean> linkCalls() {
    return server.received("set_link").stream().map(c -> c.getJsonObject("arguments").getBoolean("up")).toList();
  }

  @Test
  void linkUpAndDown_becomeSetLink_andTheStateShowsWhatTheVmWasTold() throws Exception {
    get(core.applyConfig(true, false));
    get(core.applyConfig(false, false));

    assertThat(linkCalls()).containsExactly(true, false);
    assertThat(server.received("set_link")).allSatisfy(c -> assertThat(c.getJsonObject("arguments").getString("name")).isEqualTo("nic0"));
    NicLinkState s = core.state();
    assertThat(s.desired()).isFalse();
    assertThat(s.told()).isFalse();
    assertThat(s.inSync()).isTrue();
    assertThat(s.qmpAnswered()).isTrue();
    assertThat(s.qmpConnected()).isTrue();
    assertThat(s.setLinkCalls()).isEqualTo(2);
    assertThat(s.toJson().getString("device")).isEqualTo("nic0");
  }

  @Test
  void sameStateAgain_sendsNothing() throws Exception {
    get(core.applyConfig(true, false));
    get(core.applyConfig(true, false));
    get(core.setCarrier(true));

    assertThat(linkCalls()).containsExactly(true);
  }

  @Test
  void changesWhileACallIsInFlight_coalesce_andTheLatestWins() throws Exception {
    // GIVEN a QEMU that takes 200 ms per set_link, and the link told up
    get(core.setCarrier(true));
    server.behaviour(cmd -> FakeQmpServer.Reply.ok().after(200));

    // WHEN the desired state flaps five times while the first call is in flight
    Future<Void> first = core.setCarrier(false);
    await().atMost(WAIT).until(() -> linkCalls().size() == 2);
    Future<Void> a = core.setCarrier(true);
    Future<Void> b = core.setCarrier(false);
    Future<Void> c = core.setCarrier(true);
    Future<Void> d = core.setCarrier(false);
    Future<Void> last = core.setCarrier(true);

    // THEN only the newest state follows the in-flight one, and every caller is answered
    get(Future.all(first, a, b, c, d, last));
    assertThat(linkCalls()).containsExactly(true, false, true);
    assertThat(core.state().told()).isTrue();
    assertThat(core.state().inSync()).isTrue();
  }

  @Test
  void flappingBackToTheToldState_sendsNoExtraCall() throws Exception {
    get(core.setCarrier(true));
    server.behaviour(cmd -> FakeQmpServer.Reply.ok().after(200));

    Future<Void> down = core.setCarrier(false);
    await().atMost(WAIT).until(() -> linkCalls().size() == 2);
    Future<Void> up = core.setCarrier(true);
    Future<Void> downAgain = core.setCarrier(false);

    get(Future.all(down, up, downAgain));
    assertThat(linkCalls()).containsExactly(true, false);
  }

  @Test
  void risingAnnounce_sendsAnnounceSelfAfterTheLink_once_andCallsTheAckHandler() throws Exception {
    AtomicInteger acks = new AtomicInteger();
    core.announceHandler(v -> acks.incrementAndGet());

    get(core.applyConfig(false, false));
    get(core.applyConfig(true, true));
    get(core.applyConfig(true, true)); // bit still set (ACK not yet processed): not a new edge

    List<String> order = server.received().stream().map(c -> c.getString("execute")).toList();
    assertThat(order).containsExactly("qmp_capabilities", "set_link", "set_link", "announce-self");
    assertThat(acks).hasValue(1);
    assertThat(core.state().announces()).isEqualTo(1);
    assertThat(core.state().announcePending()).isFalse();

    get(core.applyConfig(true, false));
    get(core.applyConfig(true, true));
    assertThat(server.received("announce-self")).hasSize(2);
  }

  @Test
  void reconnect_reappliesTheCurrentDesiredState() throws Exception {
    // GIVEN the VM told "down"
    get(core.setCarrier(false));
    AtomicReference<NicLinkState> published = new AtomicReference<>();
    core.stateHandler(published::set);

    // WHEN QEMU goes away, the PHY comes up meanwhile, and QEMU comes back
    get(server.stop());
    await().atMost(WAIT).until(() -> !qmp.connected());
    assertThatThrownBy(() -> get(core.setCarrier(true)))
        .cause().isInstanceOfSatisfying(NicLinkException.class, e -> assertThat(e.reason()).isEqualTo(NicLinkException.Reason.NOT_CONNECTED));
    assertThat(core.state().told()).isFalse();
    assertThat(core.state().inSync()).isFalse();
    get(server.start());

    // THEN the new session is told the current state, "up"
    await().atMost(WAIT).until(() -> linkCalls().size() == 2);
    assertThat(linkCalls()).containsExactly(false, true);
    await().atMost(WAIT).until(() -> published.get() != null && Boolean.TRUE.equals(published.get().told()));
    assertThat(published.get().inSync()).isTrue();
  }

  @Test
  void reconnect_reappliesEvenAnUnchangedState_becauseTheVmMayBeNew() throws Exception {
    get(core.setCarrier(false));

    get(server.stop());
    await().atMost(WAIT).until(() -> !qmp.connected());
    get(server.start());

    await().atMost(WAIT).until(() -> linkCalls().size() == 2);
    assertThat(linkCalls()).containsExactly(false, false);
  }

  @Test
  void errorReply_isReported_andRetriedWithBackoffUntilQemuAccepts() throws Exception {
    // GIVEN a QEMU that refuses set_link for a while
    AtomicBoolean refuse = new AtomicBoolean(true);
    server.behaviour(cmd -> refuse.get()
        ? FakeQmpServer.Reply.error("GenericError", "device is busy") : FakeQmpServer.Reply.ok());

    assertThatThrownBy(() -> get(core.setCarrier(false)))
        .cause().isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.reason()).isEqualTo(QmpException.Reason.ERROR_REPLY));
    NicLinkState failing = core.state();
    assertThat(failing.qmpAnswered()).isFalse();
    assertThat(failing.lastError()).contains("set_link nic0 down", "device is busy");
    assertThat(failing.told()).isNull();

    // WHEN it accepts again, THEN the retry tells it the desired state without a new config
    refuse.set(false);
    await().atMost(WAIT).until(() -> Boolean.FALSE.equals(core.state().told()));
    assertThat(core.state().qmpAnswered()).isTrue();
    assertThat(core.state().inSync()).isTrue();
  }

  @Test
  void slowQmp_timesOut_withoutWedgingTheDevice_orAnotherDeviceOnTheSameVm(Vertx vertx) throws Exception {
    // GIVEN nic0's set_link never answered, nic1's answered at once
    server.behaviour(cmd -> "nic0".equals(cmd.getJsonObject("arguments", new JsonObject()).getString("name"))
        ? FakeQmpServer.Reply.silence() : FakeQmpServer.Reply.ok());
    NicLinkForwarder other = new NicLinkForwarder(vertx, QmpNicControl.over(qmp, "nic1"));
    try {
      long t0 = System.nanoTime();
      Future<Void> slow = core.setCarrier(false);

      // THEN nic1 is served while nic0 waits, and nic0 fails after the command timeout
      get(other.setCarrier(false));
      assertThat(slow.isComplete()).isFalse();
      assertThatThrownBy(() -> get(slow))
          .cause().isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.reason()).isEqualTo(QmpException.Reason.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1_500));
      assertThat(core.state().lastError()).contains("no reply");
      assertThat(other.state().told()).isFalse();
    } finally {
      get(other.close());
    }
  }

  @Test
  void close_failsWaiters_andStopsReacting() throws Exception {
    server.behaviour(cmd -> FakeQmpServer.Reply.silence());
    Future<Void> waiting = core.setCarrier(true);

    get(core.close());

    assertThatThrownBy(() -> get(waiting)).cause().isInstanceOf(NicLinkException.class);
    assertThatThrownBy(() -> get(core.setCarrier(false))).cause().isInstanceOf(NicLinkException.class);
  }
}
