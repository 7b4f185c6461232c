package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.agent.RetainedOwnership.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetainedOwnershipTest {
  private static final String STATE = "vnet/phy/linux0/eth0/state";
  private static final byte[] EMPTY = new byte[0];
  private static final RetainedOwnership.Policy POLICY = new RetainedOwnership.Policy(3, Duration.ofSeconds(5),
      Duration.ofSeconds(1), Duration.ofSeconds(4));

  private final ManualClock clock = ManualClock.at("2026-12-04T19:00:00Z");
  private final RetainedOwnership owned = new RetainedOwnership(POLICY);

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private Instant now() {
    return clock.instant();
  }

  private Verdict seen(String payload) {
    return owned.observed(STATE, b(payload), now());
  }

  @BeforeEach
  void started() {
    owned.arm(now());
  }

  @Test
  void echoesOfOurOwnPublishes_areNotForeign_evenWhenANewerOneIsOnItsWay() {
    owned.published(STATE, b("{\"seq\":1}"), now());
    owned.published(STATE, b("{\"seq\":2}"), now());

    assertThat(seen("{\"seq\":1}")).isEqualTo(Verdict.NONE);
    assertThat(seen("{\"seq\":2}")).isEqualTo(Verdict.NONE);
    assertThat(seen("{\"seq\":2}")).isEqualTo(Verdict.NONE); // a retained copy on a resubscription
  }

  @Test
  void aClearByAnotherClient_isReassertedAtOnce_withTheTruth() {
    owned.published(STATE, b("{\"seq\":1}"), now());
    seen("{\"seq\":1}");

    Verdict v = owned.observed(STATE, EMPTY, now());

    assertThat(v.reassert()).isTrue();
    assertThat(v.delay()).isZero();
    assertThat(v.conflictBegins()).isFalse();
    assertThat(owned.reassert(STATE)).hasValueSatisfying(t -> assertThat(t).isEqualTo(b("{\"seq\":1}")));
    assertThat(owned.conflicts(now())).isEmpty();
  }

  @Test
  void aForgedValueOnATopicWeNeverPublished_isCleared() {
    Verdict v = seen("{\"ifname\":\"eth0\",\"reg\":\"REGISTERED\"}");

    assertThat(v.reassert()).isTrue();
    assertThat(owned.reassert(STATE)).hasValueSatisfying(t -> assertThat(t).isEmpty());
  }

  @Test
  void aReassertionThatIsNoLongerNeeded_publishesNothing() {
    owned.published(STATE, b("A"), now());
    seen("A");
    seen("forged");

    seen("A"); // someone put the truth back meanwhile

    assertThat(owned.reassert(STATE)).isEmpty();
  }

  @Test
  void beforeArming_valuesAreRecordedNotJudged_andArmingJudgesTheLastOne() {
    RetainedOwnership starting = new RetainedOwnership(POLICY);
    String other = "vnet/phy/linux0/eth1/state";
    String pending = "vnet/phy/linux0/eth2/state";
    starting.published(STATE, b("ours"), now());
    starting.published(other, b("ours1"), now());
    starting.published(pending, b("ours2"), now());

    assertThat(starting.observed(STATE, b("old"), now())).isEqualTo(Verdict.NONE); // an earlier run's
    assertThat(starting.observed(STATE, b("ours"), now())).isEqualTo(Verdict.NONE);
    assertThat(starting.observed(other, b("ours1"), now())).isEqualTo(Verdict.NONE);
    assertThat(starting.observed(other, b("theirs"), now())).isEqualTo(Verdict.NONE); // after our echo
    starting.observed(pending, b("old2"), now()); // our echo has not come back yet

    var verdicts = starting.arm(now());

    assertThat(verdicts).containsOnlyKeys(other);
    assertThat(verdicts.get(other).reassert()).isTrue();
    assertThat(starting.observed(pending, b("ours2"), now())).isEqualTo(Verdict.NONE);
  }

  @Test
  void aTopicFoughtOver_becomesAConflict_withExponentialCappedBackoff_thenHeals() {
    owned.published(STATE, b("ours"), now());
    seen("ours");

    // two immediate re-assertions, then the third foreign write within the window is a conflict
    assertThat(seen("theirs-1").delay()).isZero();
    owned.reassert(STATE);
    assertThat(seen("theirs-2").delay()).isZero();
    owned.reassert(STATE);
    Verdict third = seen("theirs-3");
    assertThat(third.conflictBegins()).isTrue();
    assertThat(third.foreignInWindow()).isEqualTo(3);
    assertThat(third.delay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(owned.conflicts(now())).containsExactly(STATE);

    // writes while a re-assertion is scheduled are covered by it
    assertThat(seen("theirs-4").reassert()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(owned.reassert(STATE)).isPresent();

    Duration[] expected = {Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(4)};
    for (Duration d : expected) {
      Verdict v = seen("theirs");
      assertThat(v.reassert()).isTrue();
      assertThat(v.conflictBegins()).isFalse();
      assertThat(v.delay()).isEqualTo(d);
      clock.advance(d);
      owned.reassert(STATE);
    }

    // the other owner is gone: after the quiet time the topic is healthy, and a clear is repaired at once
    clock.advance(POLICY.quiet().plusMillis(1));
    assertThat(owned.conflicts(now())).isEmpty();
    Verdict after = owned.observed(STATE, EMPTY, now());
    assertThat(after.reassert()).isTrue();
    assertThat(after.delay()).isZero();
  }

  @Test
  void foreignWritesSpreadOutInTime_areRepairedEachAtOnce_withoutAConflict() {
    owned.published(STATE, b("ours"), now());
    for (int i = 0; i < 10; i++) {
      Verdict v = seen("forged-" + i);
      assertThat(v.delay()).isZero();
      assertThat(v.conflictBegins()).isFalse();
      owned.reassert(STATE);
      clock.advance(Duration.ofSeconds(3));
    }
    assertThat(owned.conflicts(now())).isEmpty();
  }

  @Test
  void aValueEqualToTheTruth_needsNoRepair() {
    owned.published(STATE, b("ours"), now());
    seen("ours");

    assertThat(seen("ours")).isEqualTo(Verdict.NONE);
  }

  @Test
  void policy_isValidated() {
    assertThatThrownBy(() -> new RetainedOwnership.Policy(1, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofSeconds(2))).hasMessageContaining("conflictAfter");
    assertThatThrownBy(() -> new RetainedOwnership.Policy(3, Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(1))).hasMessageContaining("backoff");
  }

  @Test
  void aClearedTopic_isForgottenOnceSettled_andGarbageOnEverNewNames_staysBounded() {
    owned.published(STATE, b("ours"), now());
    owned.published(STATE, EMPTY, now()); // unregistered
    seen("ours");
    owned.observed(STATE, EMPTY, now());
    assertThat(owned.size()).isZero();

    for (int i = 0; i < RetainedOwnership.MAX_TOPICS * 3; i++) {
      String topic = "vnet/phy/linux0/g" + i + "/state";
      assertThat(owned.observed(topic, b("junk"), now()).reassert()).isTrue();
      owned.reassert(topic);
    }
    assertThat(owned.size()).isLessThanOrEqualTo(RetainedOwnership.MAX_TOPICS);
  }

  @Test
  void aStormOfOurOwnPublishes_aheadOfTheirEchoes_isNeverTakenForForeignWrites() {
    for (int i = 0; i < 2_000; i++) {
      owned.published(STATE, b("{\"seq\":" + i + "}"), now());
    }
    for (int i = 0; i < 2_000; i++) {
      assertThat(seen("{\"seq\":" + i + "}").reassert()).as("echo %d", i).isFalse();
    }
    assertThat(owned.conflicts(now())).isEmpty();
  }

  @Test
  void echoesThatNeverCome_expire() {
    owned.published(STATE, b("old"), now()); // a broker that does not let us read our topics
    clock.advance(RetainedOwnership.ECHO_TTL.plusSeconds(1));
    owned.published(STATE, b("new"), now());

    assertThat(seen("old").reassert()).isTrue();
  }
}
