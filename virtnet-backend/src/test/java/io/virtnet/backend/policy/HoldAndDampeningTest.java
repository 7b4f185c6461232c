package io.virtnet.backend.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.DampeningConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.runtime.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hold timers and flap dampening in front of linkwatch, on a fake clock. */
class HoldAndDampeningTest {
  private static final long T0 = 1_000_000;
  /** penalty 1000, half-life 1 s, suppress 2000, reuse 500, max suppress 10 s (ceiling 512,000). */
  private static final DampeningConfig DAMP = new DampeningConfig(1000, 1000, 2000, 500, 10_000);

  private final FakeClock clock = new FakeClock();
  private final List<String> reports = new ArrayList<>();

  private LinkPolicy policy(long intervalMs, long holdUpMs, long holdDownMs, DampeningConfig d) {
    return new LinkPolicy(new LinkPolicyConfig(intervalMs, holdUpMs, holdDownMs, d), clock,
        (up, changed) -> reports.add((up ? "up" : "down") + "@" + (clock.nowMs() - T0)));
  }

  // ---- hold timers ----

  @Test
  void holdDown_dropsAGlitchShorterThanTheHold() {
    LinkPolicy p = policy(0, 0, 100, null);
    p.update(true);
    p.update(false);
    clock.advance(99);
    p.update(true);
    clock.advance(1000);
    assertThat(reports).containsExactly("up@0");
    assertThat(p.debounced()).isEqualTo(1);
  }

  @Test
  void holdDown_passesADownThatPersistsForTheHold() {
    LinkPolicy p = policy(0, 0, 100, null);
    p.update(true);
    p.update(false);
    clock.advance(99);
    assertThat(reports).containsExactly("up@0");
    clock.advance(1);
    assertThat(reports).containsExactly("up@0", "down@100");
  }

  @Test
  void holdUp_delaysTheRise_andTheRiseStaysUrgentForLinkwatch() {
    LinkPolicy p = policy(1000, 300, 0, null);
    p.update(true);
    clock.advance(300);
    assertThat(reports).containsExactly("up@300");
  }

  @Test
  void holdIsReArmedOnEveryChange_soTheLastStateAlwaysGetsOut() {
    LinkPolicy p = policy(0, 0, 100, null);
    p.update(true);
    p.update(false);
    clock.advance(50);
    p.update(true);
    clock.advance(30);
    p.update(false);   // t=80: a fresh hold until t=180
    clock.advance(99);
    assertThat(reports).containsExactly("up@0");
    clock.advance(1);
    assertThat(reports).containsExactly("up@0", "down@180");
  }

  // ---- dampening ----

  @Test
  void flapsAbovetheSuppressThreshold_holdTheLinkDown_untilThePenaltyDecaysToReuse() {
    LinkPolicy p = policy(0, 0, 0, DAMP);
    p.update(true);
    p.update(false);   // penalty 1000
    p.update(true);
    p.update(false);   // penalty 2000: suppressed
    assertThat(p.suppressed()).isTrue();
    p.update(true);    // held down
    assertThat(reports).containsExactly("up@0", "down@0", "up@0", "down@0");
    // 2000 → 500 takes two half-lives
    clock.advance(1999);
    assertThat(p.reportedUp()).isFalse();
    clock.advance(1);
    assertThat(reports).endsWith("up@2000");
    assertThat(p.suppressed()).isFalse();
    assertThat(p.penalty()).isCloseTo(500, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void release_reportsTheCurrentState_downStaysDown() {
    LinkPolicy p = policy(0, 0, 0, DAMP);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);   // suppressed, input down
    reports.clear();
    clock.advance(5000);
    assertThat(p.suppressed()).isFalse();
    assertThat(reports).isEmpty();
    p.update(true);    // no longer suppressed: urgent up
    assertThat(reports).containsExactly("up@5000");
  }

  @Test
  void penaltyIsCappedAtTheCeiling_soSuppressionNeverOutlastsMaxSuppressAfterTheLastFlap() {
    LinkPolicy p = policy(1000, 0, 0, DAMP);
    for (int i = 0; i < 1000; i++) {
      p.update(true);
      p.update(false);
    }
    assertThat(p.penalty()).isCloseTo(DAMP.ceiling(), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(DAMP.ceiling()).isEqualTo(512_000);
    p.update(true);
    clock.advance(9_999);
    assertThat(p.reportedUp()).isFalse();
    clock.advance(2);
    assertThat(p.reportedUp()).isTrue();
    assertThat(p.flaps()).isEqualTo(1000);
    assertThat(p.suppressions()).isEqualTo(1);
    assertThat(p.flapsSuppressed()).isEqualTo(998);
  }

  @Test
  void flapsWhileSuppressed_pushTheReleaseOut() {
    LinkPolicy p = policy(0, 0, 0, DAMP);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);   // 2000 at t=0: release due at t=2000
    clock.advance(1000);
    p.update(true);
    p.update(false);   // 1000 + 1000 = 2000 at t=1000: release due at t=3000
    p.update(true);
    clock.advance(1999);
    assertThat(p.reportedUp()).isFalse();
    clock.advance(1);
    assertThat(p.reportedUp()).isTrue();
  }

  @Test
  void holdDownFiltersGlitchesBeforeDampeningCountsThem() {
    LinkPolicy p = policy(0, 0, 50, DAMP);
    p.update(true);
    for (int i = 0; i < 10; i++) {
      p.update(false);
      clock.advance(10);
      p.update(true);
      clock.advance(10);
    }
    assertThat(p.flaps()).isZero();
    assertThat(p.suppressed()).isFalse();
    assertThat(reports).containsExactly("up@0");
  }

  // ---- live reconfiguration and re-sync ----

  @Test
  void reconfigure_turningDampeningOffLiftsTheSuppressionAtOnce() {
    LinkPolicy p = policy(0, 0, 0, DAMP);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);
    p.update(true);
    assertThat(p.reportedUp()).isFalse();
    p.reconfigure(new LinkPolicyConfig(1000, 0, 0, null));
    assertThat(p.reportedUp()).isTrue();   // an up after a reported down: urgent
    assertThat(p.suppressed()).isFalse();
    assertThat(p.penalty()).isZero();
  }

  @Test
  void reconfigure_aShorterHoldFiresAPendingChangeFromItsStart() {
    LinkPolicy p = policy(0, 0, 1000, null);
    p.update(true);
    p.update(false);
    clock.advance(300);
    p.reconfigure(new LinkPolicyConfig(0, 0, 200, null));   // the down started 300 ms ago
    assertThat(reports).containsExactly("up@0", "down@300");
  }

  @Test
  void reconfigure_keepsTheReportedStateAndThePenalty() {
    LinkPolicy p = policy(1000, 0, 0, DAMP);
    p.update(true);
    p.update(false);
    double before = p.penalty();
    p.update(true);
    int n = reports.size();
    p.reconfigure(new LinkPolicyConfig(500, 10, 10, new DampeningConfig(500, 2000, 3000, 1000, 60_000)));
    assertThat(reports).hasSize(n);
    assertThat(p.reportedUp()).isTrue();
    assertThat(p.penalty()).isEqualTo(before);
  }

  @Test
  void reconfigure_aShorterIntervalReTimesThePendingReport() {
    LinkPolicy p = policy(1000, 0, 0, null);
    p.update(true);
    p.update(false);   // immediate
    p.update(true);    // urgent
    p.update(false);   // pending until t=1000
    clock.advance(200);
    p.reconfigure(new LinkPolicyConfig(100, 0, 0, null));
    assertThat(reports).endsWith("down@200");
  }

  @Test
  void resyncBypassesHoldAndLiftsSuppression() {
    LinkPolicy p = policy(1000, 500, 500, DAMP);
    p.update(true);
    clock.advance(500);
    p.update(false);
    clock.advance(500);
    p.update(true);
    clock.advance(500);
    p.update(false);
    clock.advance(500);   // two flaps: penalty ≈ 1707 (< 2000)
    p.update(true);       // hold-up pending
    p.resync(true);
    assertThat(p.reportedUp()).isTrue();
    clock.advance(10_000);
    assertThat(p.reportedUp()).isTrue();
    assertThat(clock.pending()).isZero();
  }

  // ---- validation ----

  @Test
  void invalidPolicies_areRejectedWithTheFieldNamed() {
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("holdUpMs", -1)))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("holdUpMs:");
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("linkwatchIntervalMs", "soon")))
        .hasMessageStartingWith("linkwatchIntervalMs:");
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("holdDown", 5)))
        .hasMessageStartingWith("holdDown: unknown setting");
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("dampening",
        new JsonObject().put("reuse", 3000).put("suppress", 2000))))
        .hasMessageStartingWith("dampening.reuse:");
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("dampening",
        new JsonObject().put("halfLifeMs", 0))))
        .hasMessageStartingWith("dampening.halfLifeMs:");
    // ceiling reuse·2^(1000/5000) ≈ 1149 < suppress 2000: dampening would never act
    assertThatThrownBy(() -> LinkPolicyConfig.fromJson(new JsonObject().put("dampening",
        new JsonObject().put("maxSuppressMs", 1000))))
        .hasMessageStartingWith("dampening.maxSuppressMs: too short");
    assertThatThrownBy(() -> new DampeningConfig(1000, 1000, 2000, 500, 500))
        .hasMessageStartingWith("dampening.maxSuppressMs:");
    assertThatThrownBy(() -> new DampeningConfig(0, 1000, 2000, 500, 5000))
        .hasMessageStartingWith("dampening.penalty:");
    assertThat(LinkPolicyConfig.fromJson(new JsonObject().put("dampening", new JsonObject())).dampening())
        .isEqualTo(new DampeningConfig(1000, 5000, 2000, 1000, 20_000));
  }

  @Test
  void defaultsMatchTheDocumentedTable() {
    assertThat(LinkPolicyConfig.fromJson(new JsonObject())).isEqualTo(LinkPolicyConfig.DEFAULTS);
    assertThat(LinkPolicyConfig.DEFAULTS.convergenceBoundMs()).isEqualTo(1000);
  }
}
