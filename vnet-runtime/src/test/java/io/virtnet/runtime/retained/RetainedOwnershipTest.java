package io.virtnet.runtime.retained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.runtime.retained.RetainedOwnership.Policy;
import io.virtnet.runtime.retained.RetainedOwnership.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The one retained-ownership model of the agent (a namespace of topics, armed after its start), the
 * backend and the frontend (the topics they published), on a fake millisecond clock.
 */
class RetainedOwnershipTest {
  private static final String STATE = "vnet/phy/linux0/eth0/state";
  private static final byte[] EMPTY = new byte[0];
  private static final Policy POLICY = new Policy(3, Duration.ofSeconds(5), Duration.ofSeconds(1),
      Duration.ofSeconds(4));

  private long now = 1_765_000_000_000L;

  private void advance(Duration d) {
    now += d.toMillis();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void policy_isValidated() {
    assertThatThrownBy(() -> new Policy(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .hasMessageContaining("conflictAfter");
    assertThatThrownBy(() -> new Policy(3, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("backoff");
  }

  /** The agent's use: every topic of its namespace is owned; judging starts at {@link RetainedOwnership#arm}. */
  @Nested
  class Namespace {
    private final RetainedOwnership owned = RetainedOwnership.ofNamespace(POLICY, () -> now);

    private Verdict seen(String payload) {
      return owned.observed(STATE, b(payload));
    }

    @BeforeEach
    void started() {
      owned.arm();
    }

    @Test
    void echoesOfOurOwnPublishes_areNotForeign_evenWhenANewerOneIsOnItsWay() {
      owned.published(STATE, b("{\"seq\":1}"));
      owned.published(STATE, b("{\"seq\":2}"));

      assertThat(seen("{\"seq\":1}")).isEqualTo(Verdict.NONE);
      assertThat(seen("{\"seq\":2}")).isEqualTo(Verdict.NONE);
      assertThat(seen("{\"seq\":2}")).isEqualTo(Verdict.NONE); // a retained copy on a resubscription
    }

    @Test
    void aClearByAnotherClient_isReassertedAtOnce_withTheTruth() {
      owned.published(STATE, b("{\"seq\":1}"));
      seen("{\"seq\":1}");

      Verdict v = owned.observed(STATE, EMPTY);

      assertThat(v.reassert()).isTrue();
      assertThat(v.delay()).isZero();
      assertThat(v.conflictBegins()).isFalse();
      assertThat(v.reportConflict()).isFalse();
      assertThat(owned.reassert(STATE)).hasValueSatisfying(t -> assertThat(t).isEqualTo(b("{\"seq\":1}")));
      assertThat(owned.conflicts()).isEmpty();
    }

    @Test
    void aForgedValueOnATopicWeNeverPublished_isCleared() {
      Verdict v = seen("{\"ifname\":\"eth0\",\"reg\":\"REGISTERED\"}");

      assertThat(v.reassert()).isTrue();
      assertThat(owned.reassert(STATE)).hasValueSatisfying(t -> assertThat(t).isEmpty());
    }

    @Test
    void aReassertionThatIsNoLongerNeeded_publishesNothing() {
      owned.published(STATE, b("A"));
      seen("A");
      seen("forged");

      seen("A"); // someone put the truth back meanwhile

      assertThat(owned.reassert(STATE)).isEmpty();
    }

    @Test
    void beforeArming_valuesAreRecordedNotJudged_andArmingJudgesTheLastOne() {
      RetainedOwnership starting = RetainedOwnership.ofNamespace(POLICY, () -> now);
      String other = "vnet/phy/linux0/eth1/state";
      String pending = "vnet/phy/linux0/eth2/state";
      starting.published(STATE, b("ours"));
      starting.published(other, b("ours1"));
      starting.published(pending, b("ours2"));

      assertThat(starting.observed(STATE, b("old"), true)).isEqualTo(Verdict.NONE); // an earlier run's
      assertThat(starting.observed(STATE, b("ours"))).isEqualTo(Verdict.NONE);
      assertThat(starting.observed(other, b("ours1"))).isEqualTo(Verdict.NONE);
      assertThat(starting.observed(other, b("theirs"))).isEqualTo(Verdict.NONE); // after our echo
      starting.observed(pending, b("old2"), true); // stored before our publish, whose echo has not come back yet

      var verdicts = starting.arm();

      assertThat(verdicts).containsOnlyKeys(other);
      assertThat(verdicts.get(other).reassert()).isTrue();
      assertThat(starting.observed(pending, b("ours2"))).isEqualTo(Verdict.NONE);
    }

    @Test
    void aLiveWriteByAnotherClientWhileStarting_isAnsweredOnArming_evenWhenOurEchoCameBackAfterIt() {
      // HiveMQ may hand one subscriber two publishers' messages in another order than it stored them:
      // our echo last does not prove our value is the one stored
      RetainedOwnership starting = RetainedOwnership.ofNamespace(POLICY, () -> now);
      starting.published(STATE, b("ours"));
      starting.observed(STATE, b("theirs"), false);
      starting.observed(STATE, b("ours"), false);

      var verdicts = starting.arm();

      assertThat(verdicts).containsOnlyKeys(STATE);
      assertThat(verdicts.get(STATE).reassert()).isTrue();
      assertThat(starting.reassert(STATE)).hasValueSatisfying(t -> assertThat(t).isEqualTo(b("ours")));
      starting.published(STATE, b("ours"));
      assertThat(starting.observed(STATE, b("ours"))).isEqualTo(Verdict.NONE);
      assertThat(starting.reassert(STATE)).as("settled once published again").isEmpty();
    }

    @Test
    void aLiveWriteByAnotherClientBeforeOurPublish_isSettledByIt() {
      RetainedOwnership starting = RetainedOwnership.ofNamespace(POLICY, () -> now);
      starting.observed(STATE, b("theirs"), false);
      starting.published(STATE, b("ours")); // stored after theirs: we had seen it
      starting.observed(STATE, b("ours"), false);

      assertThat(starting.arm()).isEmpty();
    }

    @Test
    void aTopicFoughtOver_becomesAConflict_withExponentialCappedBackoff_thenHeals() {
      owned.published(STATE, b("ours"));
      seen("ours");

      // two immediate re-assertions, then the third foreign write within the window is a conflict
      assertThat(seen("theirs-1").delay()).isZero();
      owned.reassert(STATE);
      assertThat(seen("theirs-2").delay()).isZero();
      owned.reassert(STATE);
      Verdict third = seen("theirs-3");
      assertThat(third.conflictBegins()).isTrue();
      assertThat(third.reportConflict()).isTrue();
      assertThat(third.foreignInWindow()).isEqualTo(3);
      assertThat(third.delay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(owned.conflicts()).containsExactly(STATE);
      assertThat(owned.inConflict(STATE)).isTrue();

      // writes while a re-assertion is scheduled are covered by it
      assertThat(seen("theirs-4").reassert()).isFalse();
      advance(Duration.ofSeconds(1));
      assertThat(owned.reassert(STATE)).isPresent();

      Duration[] expected = {Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(4)};
      for (Duration d : expected) {
        Verdict v = seen("theirs");
        assertThat(v.reassert()).isTrue();
        assertThat(v.conflictBegins()).isFalse();
        assertThat(v.delay()).isEqualTo(d);
        advance(d);
        owned.reassert(STATE);
      }

      // the other owner is gone: after the quiet time the topic is healthy, and a clear is repaired at once
      advance(POLICY.quiet().plusMillis(1));
      assertThat(owned.conflicts()).isEmpty();
      Verdict after = owned.observed(STATE, EMPTY);
      assertThat(after.reassert()).isTrue();
      assertThat(after.delay()).isZero();
    }

    @Test
    void foreignWritesSpreadOutInTime_areRepairedEachAtOnce_withoutAConflict() {
      owned.published(STATE, b("ours"));
      for (int i = 0; i < 10; i++) {
        Verdict v = seen("forged-" + i);
        assertThat(v.delay()).isZero();
        assertThat(v.conflictBegins()).isFalse();
        owned.reassert(STATE);
        advance(Duration.ofSeconds(3));
      }
      assertThat(owned.conflicts()).isEmpty();
    }

    @Test
    void aValueEqualToTheTruth_needsNoRepair() {
      owned.published(STATE, b("ours"));
      seen("ours");

      assertThat(seen("ours")).isEqualTo(Verdict.NONE);
    }

    @Test
    void aClearedTopic_isForgottenOnceSettled_andGarbageOnEverNewNames_staysBounded() {
      owned.published(STATE, b("ours"));
      owned.published(STATE, EMPTY); // unregistered
      seen("ours");
      owned.observed(STATE, EMPTY);
      assertThat(owned.size()).isZero();

      for (int i = 0; i < RetainedOwnership.MAX_TOPICS * 3; i++) {
        String topic = "vnet/phy/linux0/g" + i + "/state";
        assertThat(owned.observed(topic, b("junk")).reassert()).isTrue();
        owned.reassert(topic);
      }
      assertThat(owned.size()).isLessThanOrEqualTo(RetainedOwnership.MAX_TOPICS);
    }

    @Test
    void aStormOfOurOwnPublishes_aheadOfTheirEchoes_isNeverTakenForForeignWrites() {
      for (int i = 0; i < 2_000; i++) {
        owned.published(STATE, b("{\"seq\":" + i + "}"));
      }
      for (int i = 0; i < 2_000; i++) {
        assertThat(seen("{\"seq\":" + i + "}").reassert()).as("echo %d", i).isFalse();
      }
      assertThat(owned.conflicts()).isEmpty();
    }

    @Test
    void echoesThatNeverCome_expire() {
      owned.published(STATE, b("old")); // a broker that does not let us read our topics
      advance(RetainedOwnership.ECHO_TTL.plusSeconds(1));
      owned.published(STATE, b("new"));

      assertThat(seen("old").reassert()).isTrue();
    }
  }

  /** The backend's and the frontend's use: only the topics published are owned; judged from the start. */
  @Nested
  class Published {
    private final RetainedOwnership owned = RetainedOwnership.ofPublished(POLICY, () -> now);

    private boolean reasserts(String payload) {
      Verdict v = owned.observed("t", b(payload));
      if (v.reassert() && v.delay().isZero()) {
        owned.reassert("t");
      }
      return v.reassert();
    }

    @Test
    void ourEchoesInOrderAreOurs_aForeignClearOrOverwriteIsReasserted() {
      owned.published("t", b("g1"));
      owned.published("t", b("g2"));
      assertThat(owned.observed("t", b("g1"))).isEqualTo(Verdict.NONE);
      assertThat(reasserts("")).as("cleared by another client").isTrue();
      assertThat(owned.observed("t", b("g2"))).isEqualTo(Verdict.NONE);
      assertThat(owned.observed("t", b("g2"))).as("the value held, redelivered").isEqualTo(Verdict.NONE);
      assertThat(reasserts("g1")).as("an old value, no longer in flight").isTrue();
      assertThat(owned.observed("other", b("x"))).as("not ours").isEqualTo(Verdict.NONE);
      assertThat(owned.held("t")).isEqualTo(b("g2"));
      assertThat(owned.held("other")).isNull();
    }

    @Test
    void anotherOwnerOverwritingInALoop_isReportedAsAConflict_andReassertedOnlyAfterTheBackoff() {
      owned.published("t", b("ours"));
      for (int i = 1; i < POLICY.conflictAfter(); i++) {
        assertThat(reasserts("theirs" + i)).isTrue();
      }
      Verdict conflict = owned.observed("t", b("theirs"));
      assertThat(conflict.reportConflict()).isTrue();
      assertThat(conflict.delay()).isEqualTo(POLICY.backoffMin());
      Verdict meanwhile = owned.observed("t", b("theirs again"));
      assertThat(meanwhile.reassert()).as("covered by the re-assertion to come").isFalse();
      assertThat(meanwhile.reportConflict()).as("reported once per window").isFalse();

      advance(POLICY.backoffMin());
      assertThat(owned.reassert("t")).as("once the back-off is over, still theirs")
          .hasValueSatisfying(t -> assertThat(t).isEqualTo(b("ours")));
      owned.published("t", b("ours"));

      advance(POLICY.conflictWindow());
      Verdict goesOn = owned.observed("t", b("theirs later"));
      assertThat(goesOn.reportConflict()).as("reported again in the next window").isTrue();
      assertThat(goesOn.conflictBegins()).isFalse();
      assertThat(goesOn.delay()).isEqualTo(POLICY.backoffMin().multipliedBy(2));
    }

    @Test
    void afterAReconnect_theRestoredValueEchoedAfterANewerRewrite_isOurs() {
      owned.published("t", b("g1"));
      assertThat(owned.observed("t", b("g1"))).isEqualTo(Verdict.NONE);
      owned.published("t", b("lost")); // on the old connection, its echo never comes
      owned.published("t", b("g2"));
      owned.reconnected(); // the session restores g2 on the new connection
      owned.published("t", b("g3")); // and the owner rewrites at once, under a new generation
      assertThat(owned.observed("t", b("g2"))).as("the restore's echo").isEqualTo(Verdict.NONE);
      assertThat(owned.observed("t", b("g3"))).isEqualTo(Verdict.NONE);
      assertThat(reasserts("lost")).as("no longer expected").isTrue();
      assertThat(reasserts("g2")).as("its echo came once").isTrue();
    }

    @Test
    void aStormOfOwnWrites_echoedLongAfter_isAllOurs_butAnEchoOlderThanTheTtlIsNot() {
      // a config written 500 times before the broker echoed any (a flap storm on a loaded machine)
      for (int g = 0; g < 500; g++) {
        owned.published("t", b("g" + g));
      }
      for (int g = 0; g < 500; g++) {
        assertThat(owned.observed("t", b("g" + g))).as("echo of g%d", g).isEqualTo(Verdict.NONE);
      }
      owned.published("t", b("late"));
      owned.published("t", b("held"));
      advance(RetainedOwnership.ECHO_TTL.plusMillis(1));
      owned.published("t", b("held2")); // forgets what is older than the TTL
      assertThat(reasserts("late")).as("an echo older than the TTL").isTrue();
    }

    @Test
    void echoesPastTheCap_areForgotten() {
      for (int i = 0; i < RetainedOwnership.MAX_ECHOES + 5; i++) {
        owned.published("t", b("v" + i));
      }
      assertThat(owned.observed("t", b("v" + (RetainedOwnership.MAX_ECHOES + 4)))).isEqualTo(Verdict.NONE);
      assertThat(reasserts("v0")).as("long forgotten: now a foreign write").isTrue();
    }

    @Test
    void aClearStaysOurs_butAReleasedTopicIsNoLongerDefended_andForgottenOnceItsEchoesAreBack() {
      owned.published("t", b("v1"));
      owned.published("t", EMPTY);
      assertThat(owned.observed("t", b("v1"))).isEqualTo(Verdict.NONE);
      assertThat(reasserts("forged")).as("a clear is still ours").isTrue();
      assertThat(owned.reassert("t")).hasValueSatisfying(t -> assertThat(t).isEmpty());

      owned.release("t");
      assertThat(owned.held("t")).isNull();
      assertThat(owned.observed("t", b("someone else's"))).isEqualTo(Verdict.NONE);
      assertThat(owned.observed("t", EMPTY)).isEqualTo(Verdict.NONE);
      assertThat(owned.size()).as("its echoes are back").isZero();

      owned.published("t", b("v2")); // probed again: ours again
      assertThat(reasserts("forged")).isTrue();
    }
  }
}
