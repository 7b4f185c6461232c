package io.virtnet.backend.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.backend.config.LinkPolicyConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Linkwatch semantics with a fake clock: urgent rises, coalesced falls, no queue, convergence. */
class LinkPolicyTest {
  private final FakeClock clock = new FakeClock();
  private final List<String> reports = new ArrayList<>();

  private LinkPolicy policy(long intervalMs) {
    return new LinkPolicy(LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(intervalMs), clock,
        (up, changed) -> reports.add((up ? "up" : "down") + (changed ? "" : "(refresh)") + "@" + clock.nowMs()));
  }

  private String at(String state, long offset) {
    return state + "@" + (1_000_000 + offset);
  }

  @Test
  void riseWhileReportedDownIsUrgent_reportedAtOnce() {
    LinkPolicy p = policy(1000);
    p.update(true);
    assertThat(reports).containsExactly(at("up", 0));
    assertThat(p.reportedUp()).isTrue();
  }

  @Test
  void firstFallIsImmediate_whenNothingNonUrgentWasReportedWithinTheInterval() {
    LinkPolicy p = policy(1000);
    p.update(true);
    clock.advance(10);
    p.update(false);
    // the urgent rise does not move the non-urgent deadline (linkwatch_nextevent)
    assertThat(reports).containsExactly(at("up", 0), at("down", 10));
  }

  @Test
  void secondFallWithinTheIntervalWaitsForTheNextSlot() {
    LinkPolicy p = policy(1000);
    p.update(true);
    p.update(false);        // non-urgent, immediate: t=0
    clock.advance(100);
    p.update(true);         // urgent: t=100
    clock.advance(100);
    p.update(false);        // within the interval: pending until t=1000
    assertThat(reports).containsExactly(at("up", 0), at("down", 0), at("up", 100));
    clock.advance(799);
    assertThat(reports).hasSize(3);
    clock.advance(1);
    assertThat(reports).containsExactly(at("up", 0), at("down", 0), at("up", 100), at("down", 1000));
  }

  @Test
  void pendingReportCarriesTheStateAtFireTime_neverAQueue() {
    LinkPolicy p = policy(1000);
    p.update(true);
    p.update(false);   // immediate
    p.update(true);    // urgent
    reports.clear();
    // many non-urgent edges inside one interval: only up→down→up→down… while reported up
    for (int i = 0; i < 50; i++) {
      p.update(false);
      p.update(true);
    }
    p.update(false);
    clock.advance(1000);
    assertThat(reports).containsExactly(at("down", 1000));
    assertThat(p.reportedUp()).isFalse();
  }

  @Test
  void changeUndoneBeforeThePendingReportFires_isDroppedAndCountedAsCoalesced() {
    LinkPolicy p = policy(1000);
    p.update(true);
    p.update(false);
    p.update(true);
    long before = p.reports();
    p.update(false);   // pending (slot at t=1000)
    p.update(true);    // back to reported: dropped
    clock.advance(5000);
    assertThat(p.reports()).isEqualTo(before);
    assertThat(p.coalesced()).isEqualTo(2);
    assertThat(clock.pending()).isZero();
  }

  @Test
  void intervalZeroTurnsCoalescingOff() {
    LinkPolicy p = policy(0);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);
    assertThat(reports).containsExactly(at("up", 0), at("down", 0), at("up", 0), at("down", 0));
  }

  @Test
  void repeatedInputsAreNotEvents() {
    LinkPolicy p = policy(1000);
    p.update(false);
    p.update(false);
    p.update(true);
    p.update(true);
    assertThat(p.eventsSeen()).isEqualTo(1);
    assertThat(reports).containsExactly(at("up", 0));
  }

  @Test
  void refreshIsCoalescedLikeANonUrgentEvent() {
    LinkPolicy p = policy(1000);
    p.refresh();                 // first non-urgent: immediate
    p.refresh();                 // within the interval: pending
    p.refresh();                 // merged
    assertThat(reports).containsExactly(at("down(refresh)", 0));
    clock.advance(1000);
    assertThat(reports).containsExactly(at("down(refresh)", 0), at("down(refresh)", 1000));
  }

  @Test
  void resyncBypassesThePendingDelay() {
    LinkPolicy p = policy(1000);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);   // pending until t=1000
    reports.clear();
    p.resync(false);
    assertThat(reports).containsExactly(at("down", 0));
    clock.advance(2000);
    assertThat(reports).hasSize(1);
  }

  @Test
  void stormOfTenThousandEdges_costsAHandfulOfReportsAndConvergesToTheLastState() {
    LinkPolicy p = policy(1000);
    boolean up = false;
    for (int i = 0; i < 10_000; i++) {
      up = !up;
      p.update(up);
      if (i % 100 == 0) {
        clock.advance(10); // 10,000 edges over one second
      }
    }
    p.update(false);
    clock.advance(2000);
    assertThat(p.reportedUp()).isFalse();
    assertThat(p.eventsSeen()).isEqualTo(10_000);
    assertThat(p.reports()).isLessThanOrEqualTo(6);
    assertThat(p.reports() + p.coalesced()).isEqualTo(p.eventsSeen());
  }

  @Test
  void closeCancelsThePendingReport() {
    LinkPolicy p = policy(1000);
    p.update(true);
    p.update(false);
    p.update(true);
    p.update(false);
    p.close();
    clock.advance(5000);
    assertThat(reports).hasSize(3);
    assertThat(clock.pending()).isZero();
  }
}
