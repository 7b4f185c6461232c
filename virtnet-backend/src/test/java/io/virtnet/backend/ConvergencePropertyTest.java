package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.agent.config.SimPhyConfig;
import io.virtnet.agent.sim.SimPhyModel;
import io.virtnet.agent.PhyChange;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.DampeningConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.backend.policy.FakeClock;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.RegState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Convergence of the instance's real decision logic ({@link InstanceLink} + {@link LinkPolicy}) on
 * virtual time: random PHY command sequences run through the agent's own {@link SimPhyModel}, their
 * event and state messages delivered as the broker would (per-topic order, topics interleaved) plus
 * duplicates and stale replays, under random policies changed live, with the carrier-notify switch
 * flipped. After the PHY goes quiet the reported link equals the PHY's {@code linkUp()} within
 * {@link LinkPolicyConfig#convergenceBoundMs()}, and the reports respect linkwatch: non-urgent ones
 * at least one interval apart, each change flipping the reported state. jqwik prints the seed of a
 * failing run; re-run it with {@code @Property(seed = "…")}.
 */
class ConvergencePropertyTest {
  private static final String AGENT = "linux0";
  private static final String PHY = "eth0";
  private static final String OTHER = "eth1";
  /** Timers round up to whole milliseconds. */
  private static final long SLACK_MS = 2;

  /** One step of a scenario; {@code arg} is interpreted per kind. */
  record Step(Kind kind, int arg) {}

  enum Kind {
    CARRIER_ON, CARRIER_OFF, ADMIN_UP, ADMIN_DOWN, REGISTER, UNREGISTER, RENAME_AWAY, RENAME_BACK, SPEED,
    DELIVER, DUPLICATE, ADVANCE, CARRIER_NOTIFY, RECONFIGURE
  }

  @Property(tries = 1500)
  void reportedLinkConvergesToThePhy_withinTheBound_andReportsRespectLinkwatch(
      @ForAll("policies") LinkPolicyConfig initial,
      @ForAll("policies") LinkPolicyConfig alternative,
      @ForAll("scenarios") List<Step> steps) {
    new Run(initial, alternative).play(steps);
  }

  @Property(tries = 300)
  void stormsOfCarrierFlaps_convergeAndCostFewReports(
      @ForAll("policies") LinkPolicyConfig policy,
      @ForAll("storms") List<Step> steps) {
    Run run = new Run(policy, policy);
    long start = run.clock.nowMs();
    run.play(steps);
    long interval = policy.linkwatchIntervalMs();
    if (interval > 0) {
      // non-urgent reports one per interval at most, each urgent up after a reported down
      long span = run.quietSince + policy.convergenceBoundMs() + SLACK_MS - start;
      long changes = run.reports.stream().filter(Report::changed).count();
      assertThat(changes).as("status changes reported over %d ms", span).isLessThanOrEqualTo(2 * (span / interval + 1) + 1);
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<LinkPolicyConfig> policies() {
    Arbitrary<Long> interval = Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(0L)),
        Tuple.of(2, Arbitraries.just(LinkPolicyConfig.DEFAULT_LINKWATCH_INTERVAL_MS)),
        Tuple.of(3, Arbitraries.longs().between(1, 2000)));
    Arbitrary<Long> hold = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just(0L)),
        Tuple.of(2, Arbitraries.longs().between(1, 1500)));
    Arbitrary<DampeningConfig> dampening = Combinators.combine(
        Arbitraries.integers().between(100, 2000),
        Arbitraries.longs().between(100, 5000),
        Arbitraries.integers().between(1, 6),
        Arbitraries.integers().between(100, 3000),
        Arbitraries.longs().between(0, 10_000))
        .as((penalty, halfLife, suppressInPenalties, reuse, extra) -> {
          double suppress = Math.max(reuse + 1, penalty * suppressInPenalties * 0.9);
          // the shortest max-suppress whose ceiling reaches suppress, plus some
          long min = (long) Math.ceil(halfLife * Math.log(suppress / reuse) / Math.log(2)) + 1;
          return new DampeningConfig(penalty, halfLife, suppress, reuse, min + extra);
        });
    return Combinators.combine(interval, hold, hold, dampening.injectNull(0.5))
        .as(LinkPolicyConfig::new);
  }

  @Provide
  Arbitrary<List<Step>> scenarios() {
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        Tuple.of(12, kind(Kind.CARRIER_ON)),
        Tuple.of(12, kind(Kind.CARRIER_OFF)),
        Tuple.of(3, kind(Kind.ADMIN_UP)),
        Tuple.of(3, kind(Kind.ADMIN_DOWN)),
        Tuple.of(1, kind(Kind.REGISTER)),
        Tuple.of(1, kind(Kind.UNREGISTER)),
        Tuple.of(1, kind(Kind.RENAME_AWAY)),
        Tuple.of(1, kind(Kind.RENAME_BACK)),
        Tuple.of(1, kind(Kind.SPEED)),
        Tuple.of(10, kind(Kind.DELIVER)),
        Tuple.of(3, kind(Kind.DUPLICATE)),
        Tuple.of(12, kind(Kind.ADVANCE)),
        Tuple.of(1, kind(Kind.CARRIER_NOTIFY)),
        Tuple.of(1, kind(Kind.RECONFIGURE)));
    return step.list().ofMinSize(1).ofMaxSize(150);
  }

  /** Carrier flaps at 0..3 ms apart, delivered promptly. */
  @Provide
  Arbitrary<List<Step>> storms() {
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        Tuple.of(5, kind(Kind.CARRIER_ON)),
        Tuple.of(5, kind(Kind.CARRIER_OFF)),
        Tuple.of(8, kind(Kind.DELIVER)),
        Tuple.of(5, Arbitraries.integers().between(0, 3).map(ms -> new Step(Kind.ADVANCE, ms))));
    return step.list().ofMinSize(100).ofMaxSize(1500);
  }

  private static Arbitrary<Step> kind(Kind k) {
    return Arbitraries.integers().between(0, 9999).map(a -> new Step(k, a));
  }

  // ---- one run ----

  /** A message on one of the instance's two topics; {@code state == null && event == null} = empty state. */
  private record Msg(NetdevEvent event, NetdevState state) {
    static final Msg EMPTY_STATE = new Msg(null, null);

    boolean onEventTopic() {
      return event != null;
    }
  }

  /** A report of the policy at virtual time {@code atMs}; {@code resync} = made by a carrier-notify re-sync. */
  private record Report(long atMs, boolean up, boolean changed, boolean resync, long intervalMs) {}

  private static final class Run implements InstanceLink.Effects {
    final FakeClock clock = new FakeClock();
    final LinkPolicyConfig initial;
    final LinkPolicyConfig alternative;
    final LinkPolicy policy;
    final InstanceLink link;
    final SimPhyModel model;
    long seq = 1_000;
    final Deque<Msg> eventQ = new ArrayDeque<>();
    final Deque<Msg> stateQ = new ArrayDeque<>();
    final List<Msg> delivered = new ArrayList<>();
    final List<Report> reports = new ArrayList<>();
    final List<String> trace = new ArrayList<>();
    boolean inResync;
    long quietSince;
    Integer writtenSpeed;
    String writtenAddress;

    Run(LinkPolicyConfig initial, LinkPolicyConfig alternative) {
      this.initial = initial;
      this.alternative = alternative;
      policy = new LinkPolicy(initial, clock, this::onReport);
      link = new InstanceLink("vn0", AGENT, PHY, true, AgentLossPolicy.DOWN, policy, this);
      Clock wall = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
      model = new SimPhyModel(AGENT, List.of(SimPhyConfig.defaults(PHY)), () -> ++seq, wall);
      // the agent's start: REGISTER and UP, published as its first change
      publish(PhyChange.of(model.start()));
    }

    void play(List<Step> steps) {
      try {
        for (Step s : steps) {
          step(s);
        }
        // the PHY goes quiet: everything in flight arrives, carrier-notify is on
        while (!eventQ.isEmpty() || !stateQ.isEmpty()) {
          deliverOne(eventQ.isEmpty() ? false : stateQ.isEmpty() || (eventQ.size() + stateQ.size()) % 3 != 0);
        }
        if (!link.carrierNotify()) {
          setCarrierNotify(true);
        }
        quietSince = clock.nowMs();
        check();
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\npolicy " + initial.toJson().encode() + " / alternative "
            + alternative.toJson().encode() + "\ntrace (last 40): " + tail(trace, 40) + "\nreports: " + tail(reports, 40),
            e);
      }
    }

    void step(Step s) {
      trace.add(s.kind() + ":" + s.arg() + "@" + clock.nowMs());
      switch (s.kind()) {
        case CARRIER_ON -> command(currentName(), PhyCommand.of(PhyCommand.Op.CARRIER, true));
        case CARRIER_OFF -> command(currentName(), PhyCommand.of(PhyCommand.Op.CARRIER, false));
        case ADMIN_UP -> command(currentName(), PhyCommand.of(PhyCommand.Op.ADMIN, true));
        case ADMIN_DOWN -> command(currentName(), PhyCommand.of(PhyCommand.Op.ADMIN, false));
        case REGISTER -> command(PHY, PhyCommand.of(PhyCommand.Op.REGISTER, null));
        case UNREGISTER -> command(currentName(), PhyCommand.of(PhyCommand.Op.UNREGISTER, null));
        case RENAME_AWAY -> command(PHY, PhyCommand.of(PhyCommand.Op.RENAME, OTHER));
        case RENAME_BACK -> command(OTHER, PhyCommand.of(PhyCommand.Op.RENAME, PHY));
        case SPEED -> command(currentName(), PhyCommand.of(PhyCommand.Op.SPEED, s.arg() % 2 == 0 ? 1000 : 100));
        case DELIVER -> {
          for (int i = 0; i <= s.arg() % 4; i++) {
            deliverOne(((s.arg() >> (i + 2)) & 1) == 0);
          }
        }
        case DUPLICATE -> {
          List<Msg> old = delivered.stream().filter(m -> m != Msg.EMPTY_STATE).toList();
          if (!old.isEmpty()) {
            deliver(old.get(s.arg() % old.size()));
          }
        }
        case ADVANCE -> clock.advance(s.arg() % 5 == 0 ? s.arg() % 4000 : s.arg() % 40);
        case CARRIER_NOTIFY -> setCarrierNotify(!link.carrierNotify());
        case RECONFIGURE -> policy.reconfigure(policy.config().equals(initial) ? alternative : initial);
        default -> throw new IllegalStateException();
      }
    }

    /** The name our device goes by now (a command on a missing device is refused by the model). */
    String currentName() {
      return model.state(PHY).isPresent() || model.state(OTHER).isEmpty() ? PHY : OTHER;
    }

    void command(String ifname, PhyCommand cmd) {
      try {
        publish(model.apply(ifname, cmd));
      } catch (InvalidMessageException e) {
        // no such device, EBUSY, EEXIST: the kernel refuses, nothing is published
      }
    }

    /** What the agent publishes for a change, as {@code PhyAgentVerticle.apply}, kept for our topics. */
    void publish(PhyChange change) {
      Map<String, Optional<NetdevState>> finals = new LinkedHashMap<>();
      for (NetdevEvent e : change.events()) {
        String name = e.state().ifname();
        NetdevEvent out = e;
        if (e.event() == NetdevCmd.NETDEV_UNREGISTER) {
          boolean held = link.bound();
          out = new NetdevEvent(e.event(), e.seq(), e.state().withReg(held ? RegState.UNREGISTERING : RegState.UNREGISTERED),
              e.oldIfname());
          if (held && PHY.equals(name)) {
            // retained while held; cleared once the holder put its reference
            stateQ.add(new Msg(null, out.state()));
          }
          finals.put(name, Optional.empty());
        } else {
          finals.put(name, Optional.of(out.state()));
        }
        if (PHY.equals(name) || PHY.equals(e.oldIfname())) {
          eventQ.add(new Msg(out, null));
        }
        if (e.event() == NetdevCmd.NETDEV_CHANGENAME && e.oldIfname() != null) {
          finals.put(e.oldIfname(), Optional.empty());
        }
      }
      for (NetdevState s : change.silentStates()) {
        finals.put(s.ifname(), Optional.of(s));
      }
      Optional<NetdevState> ours = finals.get(PHY);
      if (ours != null) {
        stateQ.add(ours.map(s -> new Msg(null, s)).orElse(Msg.EMPTY_STATE));
      }
    }

    void deliverOne(boolean eventTopic) {
      Deque<Msg> q = eventTopic && !eventQ.isEmpty() || stateQ.isEmpty() ? eventQ : stateQ;
      Msg m = q.poll();
      if (m != null) {
        deliver(m);
      }
    }

    /** As the verticle's onEvent/onState, without decoding. */
    void deliver(Msg m) {
      delivered.add(m);
      if (m.onEventTopic()) {
        link.requireOurs(m.event().state(), m.event().oldIfname());
        link.onEvent(m.event());
      } else if (m.state() == null) {
        link.onNoState();
      } else {
        link.requireOurs(m.state(), null);
        link.onState(m.state());
      }
    }

    void setCarrierNotify(boolean on) {
      inResync = true;
      try {
        link.setCarrierNotify(on);
      } finally {
        inResync = false;
      }
    }

    void onReport(boolean up, boolean changed) {
      reports.add(new Report(clock.nowMs(), up, changed, inResync, policy.config().linkwatchIntervalMs()));
      NetdevState f = link.followed();
      writtenSpeed = f == null ? null : f.speed();
      writtenAddress = f == null ? null : f.address();
    }

    // ---- InstanceLink.Effects ----

    @Override
    public void applied(NetdevState phy, Instant ts) {}

    @Override
    public void bind(NetdevState phy) {}

    @Override
    public void rebind(NetdevState phy, int oldIfindex) {}

    @Override
    public void release() {}

    @Override
    public boolean configStale() {
      NetdevState f = link.followed();
      return !Objects.equals(writtenSpeed, f == null ? null : f.speed())
          || !Objects.equals(writtenAddress, f == null ? null : f.address());
    }

    // ---- the properties ----

    void check() {
      boolean phyUp = model.state(PHY).map(NetdevState::linkUp).orElse(false);
      assertThat(link.desiredUp()).as("desired link after every message arrived").isEqualTo(phyUp);
      long bound = policy.config().convergenceBoundMs() + SLACK_MS;
      clock.advance(bound);
      assertThat(policy.reportedUp()).as("reported link %d ms after the PHY went quiet (bound)", bound)
          .isEqualTo(phyUp);
      int reportsAtBound = reports.size();
      clock.advance(10 * bound + 100_000);
      assertThat(policy.reportedUp()).as("reported link long after").isEqualTo(phyUp);
      assertThat(reports.subList(reportsAtBound, reports.size())).as("reports after the bound")
          .allMatch(r -> !r.changed() || r.up() == phyUp);

      // linkwatch: each change flips the reported state (so an urgent up follows a reported down) …
      boolean reported = false;
      Report lastNonUrgent = null;
      for (Report r : reports) {
        if (r.changed()) {
          assertThat(r.up()).as("a change report flips the state: %s", r).isNotEqualTo(reported);
        }
        boolean urgent = r.changed() && r.up() && !reported;
        reported = r.changed() ? r.up() : reported;
        if (urgent || r.resync()) {
          continue;
        }
        // … and non-urgent reports are at least one interval apart
        if (lastNonUrgent != null && r.intervalMs() > 0) {
          assertThat(r.atMs() - lastNonUrgent.atMs()).as("gap before non-urgent %s after %s", r, lastNonUrgent)
              .isGreaterThanOrEqualTo(r.intervalMs());
        }
        lastNonUrgent = r;
      }
    }

    private static String tail(List<?> l, int n) {
      return l.subList(Math.max(0, l.size() - n), l.size()).toString();
    }
  }
}
