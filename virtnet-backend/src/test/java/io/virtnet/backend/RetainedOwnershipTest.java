package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetainedOwnershipTest {
  private long now = 1_000;
  private final RetainedOwnership owned = new RetainedOwnership(() -> now);

  private static byte[] b(String s) {
    return s.getBytes();
  }

  @Test
  void ourEchoesInOrderAreOurs_aForeignClearOrOverwriteIsReasserted() {
    owned.publishing("t", b("g1"));
    owned.publishing("t", b("g2"));
    assertThat(owned.observed("t", b("g1"))).isEqualTo(RetainedOwnership.Verdict.OURS);
    assertThat(owned.observed("t", b("")))
        .as("cleared by another client").isEqualTo(RetainedOwnership.Verdict.REASSERT);
    assertThat(owned.observed("t", b("g2"))).isEqualTo(RetainedOwnership.Verdict.OURS);
    assertThat(owned.observed("t", b("g2"))).as("the value held, redelivered").isEqualTo(RetainedOwnership.Verdict.OURS);
    assertThat(owned.observed("t", b("g1"))).as("an old value, no longer in flight").isEqualTo(RetainedOwnership.Verdict.REASSERT);
    assertThat(owned.observed("other", b("x"))).as("not ours").isEqualTo(RetainedOwnership.Verdict.OURS);
  }

  @Test
  void anotherOwnerOverwritingInALoop_isReportedOnceAsAConflict_andNotFought() {
    owned.publishing("t", b("ours"));
    for (int i = 0; i < RetainedOwnership.MAX_REASSERTS; i++) {
      assertThat(owned.observed("t", b("theirs" + i))).isEqualTo(RetainedOwnership.Verdict.REASSERT);
    }
    assertThat(owned.observed("t", b("theirs"))).isEqualTo(RetainedOwnership.Verdict.CONFLICT);
    assertThat(owned.observed("t", b("theirs"))).isEqualTo(RetainedOwnership.Verdict.OURS);
    now += RetainedOwnership.WINDOW_MS;
    assertThat(owned.observed("t", b("theirs"))).isEqualTo(RetainedOwnership.Verdict.REASSERT);
  }

  @Test
  void afterAReconnect_theRestoredValueEchoedAfterANewerRewrite_isOurs() {
    owned.publishing("t", b("g1"));
    assertThat(owned.observed("t", b("g1"))).isEqualTo(RetainedOwnership.Verdict.OURS);
    owned.publishing("t", b("lost")); // on the old connection, its echo never comes
    owned.publishing("t", b("g2"));
    owned.reconnected(); // the session restores g2 on the new connection
    owned.publishing("t", b("g3")); // and the owner rewrites at once, under a new generation
    assertThat(owned.observed("t", b("g2"))).as("the restore's echo").isEqualTo(RetainedOwnership.Verdict.OURS);
    assertThat(owned.observed("t", b("g3"))).isEqualTo(RetainedOwnership.Verdict.OURS);
    assertThat(owned.observed("t", b("lost"))).as("no longer expected").isEqualTo(RetainedOwnership.Verdict.REASSERT);
    assertThat(owned.observed("t", b("g2"))).as("its echo came once").isEqualTo(RetainedOwnership.Verdict.REASSERT);
  }

  @Test
  void aStormOfOwnWrites_echoedLongAfter_isAllOurs_butAnEchoOlderThanTheTtlIsNot() {
    // a config written 500 times before the broker echoed any (a flap storm on a loaded machine)
    for (int g = 0; g < 500; g++) {
      owned.publishing("t", b("g" + g));
    }
    for (int g = 0; g < 500; g++) {
      assertThat(owned.observed("t", b("g" + g))).as("echo of g%d", g).isEqualTo(RetainedOwnership.Verdict.OURS);
    }
    owned.publishing("t", b("late"));
    owned.publishing("t", b("held"));
    now += RetainedOwnership.ECHO_TTL_MS + 1;
    owned.publishing("t", b("held2")); // forgets what is older than the TTL
    assertThat(owned.observed("t", b("late"))).as("an echo older than the TTL").isEqualTo(RetainedOwnership.Verdict.REASSERT);
  }
}
