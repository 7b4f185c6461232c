package io.virtnet.agent.netlink;

import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGE;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEADDR;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEMTU;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGENAME;
import static io.virtnet.protocol.NetdevCmd.NETDEV_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_GOING_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_REGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UNREGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LinkTrackerTest {
  private static final int UP = 0x1;
  private static final int BCAST_MCAST = 0x2 | 0x1000;
  private static final int RUNNING_LOWER = 0x40 | 0x10000;
  private static final int OPER_DOWN = 2;
  private static final int OPER_LLDOWN = 3;
  private static final int OPER_UP = 6;
  private static final Instant NOW = Instant.parse("2026-11-22T15:00:00Z");

  private final AtomicLong seq = new AtomicLong(100);
  private final AtomicInteger sysfsReads = new AtomicInteger();
  private final SysfsReader sysfs = new SysfsReader() {
    @Override
    public int speed(String ifname, int ifindex) {
      sysfsReads.incrementAndGet();
      return 10000;
    }

    @Override
    public Duplex duplex(String ifname, int ifindex) {
      return Duplex.FULL;
    }
  };
  private LinkTracker tracker = tracker(InterfaceSelection.all());

  private LinkTracker tracker(java.util.function.Predicate<String> selection) {
    return new LinkTracker("linux0", selection, seq::incrementAndGet, Clock.fixed(NOW, ZoneOffset.UTC), sysfs);
  }

  /** An up, running eth-like device with carrier. */
  private static LinkMessage up(int idx, String name) {
    return link(idx, name, BCAST_MCAST | UP | RUNNING_LOWER, 1500, "02:00:00:00:00:01", OPER_UP, true, 1, 0);
  }

  private static LinkMessage link(int idx, String name, int flags, int mtu, String addr, int oper,
      Boolean carrier, long upCount, long downCount) {
    return new LinkMessage(LinkMessage.RTM_NEWLINK, idx, name, flags, mtu, addr, oper, carrier, upCount,
        downCount, false);
  }

  private static LinkMessage with(LinkMessage m, int flags, int oper, Boolean carrier, long up, long down) {
    return link(m.ifindex(), m.ifname(), flags, m.mtu(), m.address(), oper, carrier, up, down);
  }

  private static LinkMessage del(LinkMessage m) {
    return new LinkMessage(LinkMessage.RTM_DELLINK, m.ifindex(), m.ifname(), m.flags(), m.mtu(), m.address(),
        m.operstate(), m.carrier(), m.carrierUpCount(), m.carrierDownCount(), false);
  }

  private static List<NetdevCmd> cmds(List<NetdevEvent> events) {
    return events.stream().map(NetdevEvent::event).toList();
  }

  @Test
  void newDevice_registers_thenUpWhenAdminUp() {
    List<NetdevEvent> ev = tracker.apply(up(2, "eth0"));

    assertThat(cmds(ev)).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    NetdevState s = ev.get(1).state();
    assertThat(s.agent()).isEqualTo("linux0");
    assertThat(s.ifname()).isEqualTo("eth0");
    assertThat(s.ifindex()).isEqualTo(2);
    assertThat(s.flags()).contains(IfFlag.UP, IfFlag.RUNNING, IfFlag.LOWER_UP);
    assertThat(s.operstate()).isEqualTo(OperState.UP);
    assertThat(s.carrier()).isTrue();
    assertThat(s.mtu()).isEqualTo(1500);
    assertThat(s.address()).isEqualTo("02:00:00:00:00:01");
    assertThat(s.speed()).isEqualTo(10000);
    assertThat(s.duplex()).isEqualTo(Duplex.FULL);
    assertThat(s.carrierUpCount()).isEqualTo(1);
    assertThat(s.reg()).isEqualTo(RegState.REGISTERED);
    assertThat(s.ts()).isEqualTo(NOW);
    assertThat(s.linkUp()).isTrue();
  }

  @Test
  void newDevice_adminDown_registersOnly() {
    assertThat(cmds(tracker.apply(link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0))))
        .containsExactly(NETDEV_REGISTER);
  }

  @Test
  void eachEvent_takesTheNextSeq_andItsStateCarriesIt() {
    List<NetdevEvent> ev = tracker.apply(up(2, "eth0"));

    assertThat(ev).extracting(NetdevEvent::seq).containsExactly(101L, 102L);
    assertThat(ev).allMatch(e -> e.state().seq() == e.seq());
  }

  @Test
  void duplicateMessage_yieldsNothing() {
    tracker.apply(up(2, "eth0"));

    assertThat(tracker.apply(up(2, "eth0"))).isEmpty();
  }

  @Test
  void carrierLoss_whileUp_isChange() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(with(m, BCAST_MCAST | UP, OPER_LLDOWN, false, 1, 1));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGE);
    assertThat(ev.get(0).state().carrier()).isFalse();
    assertThat(ev.get(0).state().operstate()).isEqualTo(OperState.LOWERLAYERDOWN);
    assertThat(ev.get(0).state().carrierDownCount()).isEqualTo(1);
    assertThat(ev.get(0).state().linkUp()).isFalse();
  }

  @Test
  void carrierFallsBackToLowerUp_whenIflaCarrierAbsent() {
    LinkMessage m = link(2, "eth0", BCAST_MCAST | UP | RUNNING_LOWER, 1500, "", OPER_UP, null, 0, 0);
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(with(m, BCAST_MCAST | UP, OPER_LLDOWN, null, 0, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGE);
    assertThat(ev.get(0).state().carrier()).isFalse();
  }

  @Test
  void operstateOnly_orOtherFlag_isChange() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    assertThat(cmds(tracker.apply(with(m, m.flags(), 5, true, 1, 0)))).containsExactly(NETDEV_CHANGE);
    assertThat(cmds(tracker.apply(with(m, m.flags() | 0x100, 5, true, 1, 0)))).containsExactly(NETDEV_CHANGE);
  }

  @Test
  void flapHiddenInAGap_countersOnly_isChange() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    assertThat(cmds(tracker.apply(with(m, m.flags(), OPER_UP, true, 2, 1)))).containsExactly(NETDEV_CHANGE);
  }

  @Test
  void adminDown_isGoingDownThenDown_withoutChange() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(with(m, BCAST_MCAST, OPER_DOWN, false, 1, 1));

    assertThat(cmds(ev)).containsExactly(NETDEV_GOING_DOWN, NETDEV_DOWN);
    assertThat(ev.get(1).state().adminUp()).isFalse();
  }

  @Test
  void adminUp_withoutCarrier_isUpOnly() {
    LinkMessage down = link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0);
    tracker.apply(down);

    List<NetdevEvent> ev = tracker.apply(with(down, BCAST_MCAST | UP, OPER_LLDOWN, false, 0, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_UP);
    assertThat(ev.get(0).state().linkUp()).as("NETDEV_UP without carrier is not link up").isFalse();
  }

  @Test
  void adminUp_withCarrierInTheSameMessage_isUpThenChange() {
    LinkMessage down = link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0);
    tracker.apply(down);

    List<NetdevEvent> ev = tracker.apply(with(down, BCAST_MCAST | UP | RUNNING_LOWER, OPER_UP, true, 1, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_UP, NETDEV_CHANGE);
    assertThat(ev.get(1).state().linkUp()).isTrue();
  }

  @Test
  void mtuChange_isChangeMtu() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(link(2, "eth0", m.flags(), 9000, m.address(), OPER_UP, true, 1, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGEMTU);
    assertThat(ev.get(0).state().mtu()).isEqualTo(9000);
  }

  @Test
  void addressChange_isChangeAddr() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(link(2, "eth0", m.flags(), 1500, "02:00:00:00:00:99", OPER_UP, true, 1, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGEADDR);
    assertThat(ev.get(0).state().address()).isEqualTo("02:00:00:00:00:99");
  }

  @Test
  void rename_isChangeName_withOldName() {
    LinkMessage m = link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0);
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(link(2, "wan0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGENAME);
    assertThat(ev.get(0).oldIfname()).isEqualTo("eth0");
    assertThat(ev.get(0).state().ifname()).isEqualTo("wan0");
    assertThat(tracker.snapshot()).extracting(NetdevState::ifname).containsExactly("wan0");
  }

  @Test
  void severalChangesInOneMessage_comeInKernelOrder() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(link(2, "wan0", BCAST_MCAST, 9000, "02:00:00:00:00:99", OPER_DOWN,
        false, 1, 1));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGENAME, NETDEV_GOING_DOWN, NETDEV_DOWN, NETDEV_CHANGEMTU,
        NETDEV_CHANGEADDR);
    assertThat(ev).allSatisfy(e -> assertThat(e.state().ifname()).isEqualTo("wan0"));
  }

  @Test
  void dellink_ofUpDevice_isGoingDownDownUnregister() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(del(m));

    assertThat(cmds(ev)).containsExactly(NETDEV_GOING_DOWN, NETDEV_DOWN, NETDEV_UNREGISTER);
    NetdevState last = ev.get(2).state();
    assertThat(last.reg()).isEqualTo(RegState.UNREGISTERED);
    assertThat(last.adminUp()).isFalse();
    assertThat(last.carrier()).isFalse();
    assertThat(last.linkUp()).isFalse();
    assertThat(ev.get(1).state().reg()).isEqualTo(RegState.REGISTERED);
    assertThat(tracker.snapshot()).isEmpty();
  }

  @Test
  void dellink_ofDownDevice_isUnregisterOnly_andUnknownIndexNothing() {
    LinkMessage m = link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0);
    tracker.apply(m);

    assertThat(cmds(tracker.apply(del(m)))).containsExactly(NETDEV_UNREGISTER);
    assertThat(tracker.apply(del(m))).isEmpty();
  }

  @Test
  void all_excludesLo() {
    assertThat(tracker.apply(link(1, "lo", 0x9 | RUNNING_LOWER, 65536, "00:00:00:00:00:00", 0, true, 0, 0)))
        .isEmpty();
    assertThat(tracker.snapshot()).isEmpty();
  }

  @Test
  void explicitSelection_ignoresOthers() {
    tracker = tracker(InterfaceSelection.of(Set.of("eth1")));

    assertThat(tracker.apply(up(2, "eth0"))).isEmpty();
    assertThat(cmds(tracker.apply(up(3, "eth1")))).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    assertThat(tracker.apply(del(up(2, "eth0")))).isEmpty();
  }

  @Test
  void renameIntoSelection_appearsAsRegister() {
    tracker = tracker(InterfaceSelection.of(Set.of("wan0")));
    tracker.apply(up(2, "eth0"));

    List<NetdevEvent> ev = tracker.apply(up(2, "wan0"));

    assertThat(cmds(ev)).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    assertThat(ev.get(0).oldIfname()).isNull();
  }

  @Test
  void renameOutOfSelection_isChangeNameThenUnregister_andLaterSilence() {
    tracker = tracker(InterfaceSelection.of(Set.of("eth0")));
    LinkMessage m = link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0);
    tracker.apply(m);

    List<NetdevEvent> ev = tracker.apply(link(2, "old0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGENAME, NETDEV_UNREGISTER);
    assertThat(ev.get(0).oldIfname()).isEqualTo("eth0");
    assertThat(ev.get(1).state().ifname()).isEqualTo("old0");
    assertThat(ev.get(1).state().reg()).isEqualTo(RegState.UNREGISTERED);
    assertThat(tracker.snapshot()).isEmpty();
    assertThat(tracker.apply(link(2, "old0", BCAST_MCAST | UP, 1500, "", OPER_DOWN, false, 0, 0))).isEmpty();
    assertThat(cmds(tracker.apply(m))).as("renamed back").containsExactly(NETDEV_REGISTER);
  }

  @Test
  void nameTheTopicsCannotCarry_isNotReported() {
    assertThat(tracker.apply(up(5, "a+b"))).isEmpty();

    tracker.apply(up(2, "eth0"));
    List<NetdevEvent> ev = tracker.apply(up(2, "eth#0"));

    assertThat(cmds(ev)).containsExactly(NETDEV_UNREGISTER);
    assertThat(ev.get(0).state().ifname()).isEqualTo("eth0");
  }

  @Test
  void sysfsIsRead_onAppearAndLinkChanges_notOnEveryMessage() {
    LinkMessage m = up(2, "eth0");
    tracker.apply(m);
    assertThat(sysfsReads).hasValue(1);

    tracker.apply(link(2, "eth0", m.flags(), 9000, m.address(), OPER_UP, true, 1, 0));
    tracker.apply(up(2, "eth0"));
    assertThat(sysfsReads).hasValue(1);

    tracker.apply(with(m, BCAST_MCAST | UP, OPER_LLDOWN, false, 1, 1));
    assertThat(sysfsReads).hasValue(2);
  }

  @Test
  void hugeLoopbackMtu_isClamped_notFatal() {
    tracker = tracker(s -> true);

    List<NetdevEvent> ev = tracker.apply(link(1, "lo", 0x9, Integer.MAX_VALUE, "", 0, false, 0, 0));

    assertThat(ev.get(0).state().mtu()).isEqualTo(0xFF_FFFF);
  }

  @Test
  void snapshot_holdsLastStatePerDevice_byIfindex() {
    tracker.apply(up(3, "eth1"));
    tracker.apply(up(2, "eth0"));
    List<NetdevEvent> ev = tracker.apply(link(2, "eth0", up(2, "eth0").flags(), 1400, "02:00:00:00:00:01",
        OPER_UP, true, 1, 0));

    assertThat(tracker.snapshot()).extracting(NetdevState::ifname).containsExactly("eth0", "eth1");
    assertThat(tracker.snapshot().get(0)).isEqualTo(ev.get(0).state());
  }

  // ---- applyDump: how gaps after ENOBUFS are closed ----

  @Test
  void initialDump_registersEverySelectedDevice() {
    List<NetdevEvent> ev = tracker.applyDump(List.of(
        link(1, "lo", 0x9, 65536, "00:00:00:00:00:00", 0, true, 0, 0),
        up(2, "eth0"),
        link(3, "eth1", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0)));

    assertThat(ev).extracting(e -> e.event() + " " + e.state().ifname())
        .containsExactly("NETDEV_REGISTER eth0", "NETDEV_UP eth0", "NETDEV_REGISTER eth1");
  }

  @Test
  void dumpDiff_unregistersVanished_registersNew_changesChanged_andSkipsSame() {
    LinkMessage eth0 = up(2, "eth0");
    LinkMessage eth1 = up(3, "eth1");
    LinkMessage eth2 = up(4, "eth2");
    tracker.applyDump(List.of(eth0, eth1, eth2));

    List<NetdevEvent> ev = tracker.applyDump(List.of(
        eth0,
        with(eth1, BCAST_MCAST | UP, OPER_LLDOWN, false, 1, 1),
        up(5, "eth3")));

    assertThat(ev).extracting(e -> e.event() + " " + e.state().ifname()).containsExactly(
        "NETDEV_GOING_DOWN eth2", "NETDEV_DOWN eth2", "NETDEV_UNREGISTER eth2",
        "NETDEV_CHANGE eth1",
        "NETDEV_REGISTER eth3", "NETDEV_UP eth3");
    assertThat(tracker.snapshot()).extracting(NetdevState::ifname).containsExactly("eth0", "eth1", "eth3");
  }

  @Test
  void dumpDiff_nameReusedByANewIndex_unregistersTheOldFirst() {
    tracker.applyDump(List.of(up(2, "eth0")));

    List<NetdevEvent> ev = tracker.applyDump(List.of(up(7, "eth0")));

    assertThat(ev).extracting(e -> e.event() + " " + e.state().ifindex()).containsExactly(
        "NETDEV_GOING_DOWN 2", "NETDEV_DOWN 2", "NETDEV_UNREGISTER 2", "NETDEV_REGISTER 7", "NETDEV_UP 7");
    assertThat(tracker.snapshot()).singleElement().extracting(NetdevState::ifindex).isEqualTo(7);
  }

  @Test
  void dumpDiff_renameDuringTheGap_isChangeName() {
    tracker.applyDump(List.of(link(2, "eth0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0)));

    List<NetdevEvent> ev = tracker.applyDump(List.of(link(2, "wan0", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0)));

    assertThat(cmds(ev)).containsExactly(NETDEV_CHANGENAME);
    assertThat(ev.get(0).oldIfname()).isEqualTo("eth0");
  }

  @Test
  void dumpDiff_withInterleavedNotifications_appliesThemInOrder() {
    LinkMessage eth0 = up(2, "eth0");
    tracker.applyDump(List.of(eth0, up(3, "eth1")));

    // eth1 deleted by a notification during the dump; eth0's dump part, then a newer notification.
    List<NetdevEvent> ev = tracker.applyDump(List.of(
        del(up(3, "eth1")),
        eth0,
        link(2, "eth0", eth0.flags(), 9000, eth0.address(), OPER_UP, true, 1, 0)));

    assertThat(ev).extracting(e -> e.event() + " " + e.state().ifname()).containsExactly(
        "NETDEV_GOING_DOWN eth1", "NETDEV_DOWN eth1", "NETDEV_UNREGISTER eth1", "NETDEV_CHANGEMTU eth0");
  }

  @Test
  void dumpDiff_identical_yieldsNothing() {
    List<LinkMessage> dump = List.of(up(2, "eth0"), up(3, "eth1"));
    tracker.applyDump(dump);

    assertThat(tracker.applyDump(dump)).isEmpty();
  }

  @Test
  void dumpDiff_emptyDump_unregistersEverything() {
    tracker.applyDump(List.of(up(2, "eth0"), link(3, "eth1", BCAST_MCAST, 1500, "", OPER_DOWN, false, 0, 0)));

    assertThat(tracker.applyDump(List.of())).extracting(e -> e.event() + " " + e.state().ifname())
        .containsExactly("NETDEV_GOING_DOWN eth0", "NETDEV_DOWN eth0", "NETDEV_UNREGISTER eth0",
            "NETDEV_UNREGISTER eth1");
  }
}
