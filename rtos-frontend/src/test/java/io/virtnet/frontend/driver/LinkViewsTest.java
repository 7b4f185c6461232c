package io.virtnet.frontend.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The CPU's retained views and their defence, with a recording publisher instead of a broker. */
class LinkViewsTest {
  private record Sent(String instance, String payload) {}

  private static final RetainedOwnership.Policy POLICY = RetainedOwnership.Policy.DEFAULT;

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
  }, clock::get, (ms, action) -> timers.add(new Timer(clock.get() + ms, action)), POLICY);

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
    clock.addAndGet(1_000);
    assertThat(views.observed("virtio-net0", b("v1"))).as("a replay of an old view").isTrue();

    assertThat(sent).extracting(Sent::payload).containsExactly("v1", "v2", "v2", "v2");
    assertThat(repairs).containsExactly("virtio-net0: overwritten by another client", "virtio-net0: overwritten by another client");
  }

  /** Another client's writes, each answered at once, until the next one makes it a conflict. */
  private void fightUntilTheConflict(String ours) {
    for (int i = 1; i < POLICY.conflictAfter(); i++) {
      assertThat(views.observed("virtio-net0", b("theirs " + i))).as("write %d answered at once", i).isTrue();
      views.observed("virtio-net0", b(ours)); // the re-assertion's echo
    }
    assertThat(conflicts).isEmpty();
  }

  @Test
  void aSecondWriterThatKeepsOverwriting_isAConflict_answeredAfterTheBackoff_notFoughtInALoop() {
    views.publish("virtio-net0", b("ours"));
    views.observed("virtio-net0", b("ours"));
    fightUntilTheConflict("ours");
    int sentBefore = sent.size();

    assertThat(views.observed("virtio-net0", b("theirs again"))).as("one write too many").isFalse();
    assertThat(views.observed("virtio-net0", b("and again"))).isFalse();
    assertThat(sent).hasSize(sentBefore);
    assertThat(conflicts).containsExactly("virtio-net0");

    // the back-off over, the view is re-asserted once, as the store still holds their write
    advance(POLICY.backoffMin().toMillis());
    assertThat(sent).hasSize(sentBefore + 1);
    assertThat(sent.get(sentBefore).payload()).isEqualTo("ours");
    assertThat(repairs).hasSize(POLICY.conflictAfter());

    // they keep writing: the next answer waits twice as long
    views.observed("virtio-net0", b("ours"));
    views.observed("virtio-net0", b("theirs once more"));
    advance(POLICY.backoffMin().toMillis());
    assertThat(sent).hasSize(sentBefore + 1);
    advance(POLICY.backoffMin().toMillis());
    assertThat(sent).hasSize(sentBefore + 2);
  }

  @Test
  void aDeferredReassertion_isDroppedWhenTheStoreIsRightAgainMeanwhile() {
    views.publish("virtio-net0", b("v1"));
    views.observed("virtio-net0", b("v1"));
    fightUntilTheConflict("v1");
    views.observed("virtio-net0", b("theirs, deferred"));
    int sentBefore = sent.size();
    views.publish("virtio-net0", b("v2")); // our own next view overwrites theirs anyway
    views.observed("virtio-net0", b("v2"));

    advance(POLICY.backoffMin().toMillis());

    assertThat(sent).hasSize(sentBefore + 1);
    assertThat(sent.get(sentBefore).payload()).isEqualTo("v2");
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
  void echoesThatNeverCome_areForgottenPastTheCap() {
    for (int i = 0; i < RetainedOwnership.MAX_ECHOES + 5; i++) {
      views.publish("virtio-net0", b("v" + i));
    }
    String last = "v" + (RetainedOwnership.MAX_ECHOES + 4);

    assertThat(views.observed("virtio-net0", b(last))).isFalse();
    assertThat(views.observed("virtio-net0", b("v0"))).as("long forgotten: now a foreign write").isTrue();
    assertThat(sent.get(sent.size() - 1).payload()).isEqualTo(last);
  }

  @Test
  void echoesThatNeverCome_areForgottenPastTheirAge() {
    views.publish("virtio-net0", b("old"));
    clock.addAndGet(RetainedOwnership.ECHO_TTL.toMillis() + 1);
    views.publish("virtio-net0", b("new"));

    assertThat(views.observed("virtio-net0", b("old"))).as("too late to be our echo").isTrue();
    assertThat(sent).extracting(Sent::payload).containsExactly("old", "new", "new");
  }
}
