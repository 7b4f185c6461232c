package io.virtnet.frontend.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The CPU's retained views and their defence, with a recording publisher instead of a broker. */
class LinkViewsTest {
  private record Sent(String instance, String payload) {}

  private final List<Sent> sent = new ArrayList<>();
  private final List<String> repairs = new ArrayList<>();
  private final List<String> conflicts = new ArrayList<>();
  private final AtomicLong clock = new AtomicLong(5_000_000);
  private final List<Timer> timers = new ArrayList<>();

  private record Timer(long dueMs, Runnable action) {}

  private final LinkViews views = new LinkViews((instance, payload) -> {
    sent.add(new Sent(instance, new String(payload, StandardCharsets.UTF_8)));
    return Future.succeededFuture();
  }, new LinkViews.RepairListener() {
    @Override
    public void reasserted(String instance, String why) {
      repairs.add(instance + ": " + why);
    }

    @Override
    public void conflict(String instance) {
      conflicts.add(instance);
    }
  }, clock::get, (ms, action) -> timers.add(new Timer(clock.get() + ms, action)));

  /** Moves the fake clock on by {@code ms}, running the timers that fall due. */
  private void advance(long ms) {
    clock.addAndGet(ms);
    List<Timer> due = timers.stream().filter(t -> t.dueMs() <= clock.get()).toList();
    timers.removeAll(due);
    due.forEach(t -> t.action().run());
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void ownEchoes_andARetainedRedeliveryOfTheHeldView_changeNothing() {
    views.publish("virtio-net0", b("v1"));
    views.publish("virtio-net0", b("v2"));

    assertThat(views.observed("virtio-net0", b("v1"))).isFalse();
    assertThat(views.observed("virtio-net0", b("v2"))).isFalse();
    assertThat(views.observed("virtio-net0", b("v2"))).as("redelivered after a reconnect").isFalse();
    assertThat(sent).hasSize(2);
    assertThat(repairs).isEmpty();
  }

  @Test
  void aClearByAnotherClient_isReassertedAtOnce() {
    views.publish("virtio-net0", b("v1"));
    views.observed("virtio-net0", b("v1"));

    assertThat(views.observed("virtio-net0", new byte[0])).isTrue();

    assertThat(sent).containsExactly(new Sent("virtio-net0", "v1"), new Sent("virtio-net0", "v1"));
    assertThat(repairs).containsExactly("virtio-net0: cleared by another client");
    assertThat(views.observed("virtio-net0", b("v1"))).as("the re-assertion's echo").isFalse();
  }

  @Test
  void anOverwriteByAnotherClient_isReasserted_evenIfItRepeatsAnOldViewOfOurs() {
    views.publish("virtio-net0", b("v1"));
    views.publish("virtio-net0", b("v2"));
    views.observed("virtio-net0", b("v1"));
    views.observed("virtio-net0", b("v2"));

    assertThat(views.observed("virtio-net0", b("forged"))).isTrue();
    views.observed("virtio-net0", b("v2"));
    clock.addAndGet(LinkViews.REASSERT_HOLDOFF_MS);
    assertThat(views.observed("virtio-net0", b("v1"))).as("a replay of an old view").isTrue();

    assertThat(sent).extracting(Sent::payload).containsExactly("v1", "v2", "v2", "v2");
    assertThat(repairs).containsExactly("virtio-net0: overwritten by another client", "virtio-net0: overwritten by another client");
  }

  @Test
  void aSecondWriterThatKeepsOverwriting_isAConflict_answeredOncePerHoldoff_notFoughtInALoop() {
    views.publish("virtio-net0", b("ours"));
    views.observed("virtio-net0", b("ours"));

    assertThat(views.observed("virtio-net0", b("theirs 1"))).isTrue();
    views.observed("virtio-net0", b("ours"));
    assertThat(views.observed("virtio-net0", b("theirs 2"))).as("again within the hold-off").isFalse();
    assertThat(views.observed("virtio-net0", b("theirs 3"))).isFalse();
    assertThat(sent).extracting(Sent::payload).containsExactly("ours", "ours");
    assertThat(conflicts).containsExactly("virtio-net0");

    // the hold-off over, the view is re-asserted once, as the store still holds their write
    advance(LinkViews.REASSERT_HOLDOFF_MS);
    assertThat(sent).extracting(Sent::payload).containsExactly("ours", "ours", "ours");
    assertThat(repairs).hasSize(2);
  }

  @Test
  void aDeferredReassertion_isDroppedWhenTheStoreIsRightAgainMeanwhile() {
    views.publish("virtio-net0", b("v1"));
    views.observed("virtio-net0", b("theirs 1"));
    views.observed("virtio-net0", b("v1"));
    views.observed("virtio-net0", b("theirs 2"));
    views.publish("virtio-net0", b("v2")); // our own next view overwrites theirs anyway
    views.observed("virtio-net0", b("v2"));

    advance(LinkViews.REASSERT_HOLDOFF_MS);

    assertThat(sent).extracting(Sent::payload).containsExactly("v1", "v1", "v2");
  }

  @Test
  void aClearedView_isNoLongerDefended() {
    views.publish("virtio-net0", b("v1"));
    views.clear("virtio-net0");
    views.observed("virtio-net0", b("v1"));
    views.observed("virtio-net0", new byte[0]);

    assertThat(views.observed("virtio-net0", b("someone else's"))).isFalse();
    assertThat(views.held("virtio-net0")).isNull();
    assertThat(sent).extracting(Sent::payload).containsExactly("v1", "");
    assertThat(repairs).isEmpty();
  }

  @Test
  void viewsOfOtherInstances_areNotOurs() {
    assertThat(views.observed("virtio-net7", b("x"))).isFalse();
    assertThat(sent).isEmpty();
  }

  @Test
  void echoesThatNeverCome_areForgottenPastTheWindow() {
    for (int i = 0; i < LinkViews.MAX_IN_FLIGHT + 5; i++) {
      views.publish("virtio-net0", b("v" + i));
    }
    String last = "v" + (LinkViews.MAX_IN_FLIGHT + 4);

    assertThat(views.observed("virtio-net0", b(last))).isFalse();
    clock.addAndGet(LinkViews.REASSERT_HOLDOFF_MS);
    assertThat(views.observed("virtio-net0", b("v0"))).as("long forgotten: now a foreign write").isTrue();
    assertThat(sent.get(sent.size() - 1).payload()).isEqualTo(last);
  }
}
