package io.virtnet.agent.sim;

import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGE;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEADDR;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGEMTU;
import static io.virtnet.protocol.NetdevCmd.NETDEV_CHANGENAME;
import static io.virtnet.protocol.NetdevCmd.NETDEV_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_GOING_DOWN;
import static io.virtnet.protocol.NetdevCmd.NETDEV_PRECHANGEMTU;
import static io.virtnet.protocol.NetdevCmd.NETDEV_PRE_CHANGEADDR;
import static io.virtnet.protocol.NetdevCmd.NETDEV_REGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UNREGISTER;
import static io.virtnet.protocol.NetdevCmd.NETDEV_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.agent.PhyChange;
import io.virtnet.agent.config.SimPhyConfig;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.PhyCommand.Op;
import io.virtnet.protocol.RegState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimPhyModelTest {
  private static final long EPOCH = 1_000_000L;
  private final AtomicLong seq = new AtomicLong(EPOCH);
  private SimPhyModel model;

  @BeforeEach
  void setUp() {
    model = new SimPhyModel("linux0", List.of(
        new SimPhyConfig("eth0", "52:54:00:12:34:56", 1500, 1000, Duplex.FULL, true, true, true),
        new SimPhyConfig("eth1", "52:54:00:12:34:57", 9000, 100, Duplex.HALF, false, false, true),
        new SimPhyConfig("eth2", null, 1500, 1000, Duplex.FULL, true, true, false)),
        seq::incrementAndGet, Clock.fixed(Instant.parse("2026-11-22T15:00:00Z"), ZoneOffset.UTC));
    model.start();
  }

  private static List<NetdevCmd> names(PhyChange c) {
    return c.events().stream().map(NetdevEvent::event).toList();
  }

  private PhyChange cmd(String ifname, Op op, Object value) {
    return model.apply(ifname, PhyCommand.of(op, value));
  }

  private static NetdevState last(PhyChange c) {
    return c.events().get(c.events().size() - 1).state();
  }

  @Test
  void start_registersConfiguredPhys_registerThenUpOnlyWhenAdminUp() {
    SimPhyModel fresh = new SimPhyModel("linux0", List.of(
        new SimPhyConfig("eth0", null, 1500, 1000, Duplex.FULL, true, true, true),
        new SimPhyConfig("eth1", null, 1500, 1000, Duplex.FULL, false, true, true),
        new SimPhyConfig("eth2", null, 1500, 1000, Duplex.FULL, true, true, false)),
        seq::incrementAndGet, Clock.systemUTC());
    List<NetdevEvent> events = fresh.start();

    assertThat(events).extracting(e -> e.event() + " " + e.state().ifname())
        .containsExactly("NETDEV_REGISTER eth0", "NETDEV_UP eth0", "NETDEV_REGISTER eth1");
    // REGISTER: the device exists but is not open yet
    NetdevState reg = events.get(0).state();
    assertThat(reg.flags()).containsExactlyInAnyOrder(IfFlag.BROADCAST, IfFlag.MULTICAST);
    assertThat(reg.operstate()).isEqualTo(OperState.DOWN);
    assertThat(reg.reg()).isEqualTo(RegState.REGISTERED);
    NetdevState up = events.get(1).state();
    assertThat(up.flags()).containsExactlyInAnyOrder(IfFlag.UP, IfFlag.BROADCAST, IfFlag.MULTICAST,
        IfFlag.RUNNING, IfFlag.LOWER_UP);
    assertThat(up.operstate()).isEqualTo(OperState.UP);
    assertThat(up.linkUp()).isTrue();
    assertThat(up.address()).startsWith("02:");
    assertThat(events).extracting(e -> e.state().ifindex()).containsExactly(2, 2, 3);
    assertThat(fresh.snapshot()).extracting(NetdevState::ifname).containsExactly("eth0", "eth1");
  }

  @Test
  void seq_growsByOnePerEvent_andStatesCarryTheirEventsSeq() {
    PhyChange c = cmd("eth0", Op.MTU, 9000);
    assertThat(c.events()).extracting(NetdevEvent::seq).containsExactly(EPOCH + 4, EPOCH + 5); // start: REGISTER+UP eth0, REGISTER eth1
    assertThat(c.events()).allSatisfy(e -> assertThat(e.state().seq()).isEqualTo(e.seq()));
    assertThat(model.state("eth0").orElseThrow().seq()).isEqualTo(EPOCH + 5);
  }

  @Test
  void carrierOff_whileUp_isNetdevChange_lowerLayerDown_withoutRunningAndLowerUp() {
    PhyChange c = cmd("eth0", Op.CARRIER, false);

    assertThat(names(c)).containsExactly(NETDEV_CHANGE);
    NetdevState s = last(c);
    assertThat(s.carrier()).isFalse();
    assertThat(s.operstate()).isEqualTo(OperState.LOWERLAYERDOWN);
    assertThat(s.flags()).contains(IfFlag.UP).doesNotContain(IfFlag.RUNNING, IfFlag.LOWER_UP);
    assertThat(s.carrierDownCount()).isEqualTo(1);
    assertThat(s.linkUp()).isFalse();

    PhyChange on = cmd("eth0", Op.CARRIER, true);
    assertThat(names(on)).containsExactly(NETDEV_CHANGE);
    assertThat(last(on).operstate()).isEqualTo(OperState.UP);
    assertThat(last(on).carrierUpCount()).isEqualTo(1);
  }

  @Test
  void carrier_whileAdminDown_sendsNoEvent_butStateAndCountersMove() {
    long before = seq.get();
    PhyChange c = cmd("eth1", Op.CARRIER, true);

    assertThat(c.events()).isEmpty();
    assertThat(c.silentStates()).hasSize(1);
    NetdevState s = c.silentStates().get(0);
    assertThat(s.carrier()).isTrue();
    assertThat(s.carrierUpCount()).isEqualTo(1);
    assertThat(s.operstate()).isEqualTo(OperState.DOWN);
    assertThat(s.flags()).doesNotContain(IfFlag.LOWER_UP, IfFlag.RUNNING, IfFlag.UP);
    assertThat(s.seq()).isEqualTo(before + 1);
  }

  @Test
  void noOpCommands_emitNothing_andDoNotBumpSeq() {
    long before = seq.get();
    assertThat(cmd("eth0", Op.CARRIER, true).isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.ADMIN, true).isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.MTU, 1500).isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.ADDRESS, "52-54-00-12-34-56").isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.SPEED, 1000).isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.REGISTER, null).isEmpty()).isTrue();
    assertThat(cmd("eth0", Op.RENAME, "eth0").isEmpty()).isTrue();
    assertThat(seq.get()).isEqualTo(before);
  }

  @Test
  void adminUp_withoutCarrier_isNetdevUp_butLowerLayerDown_notLinkUp() {
    PhyChange c = cmd("eth1", Op.ADMIN, true);

    assertThat(names(c)).containsExactly(NETDEV_UP);
    NetdevState s = last(c);
    assertThat(s.adminUp()).isTrue();
    assertThat(s.operstate()).isEqualTo(OperState.LOWERLAYERDOWN);
    assertThat(s.flags()).doesNotContain(IfFlag.RUNNING, IfFlag.LOWER_UP);
    assertThat(s.linkUp()).isFalse();
  }

  @Test
  void adminDown_isGoingDownThenDown_operstateDown() {
    PhyChange c = cmd("eth0", Op.ADMIN, false);

    assertThat(names(c)).containsExactly(NETDEV_GOING_DOWN, NETDEV_DOWN);
    // GOING_DOWN is sent while the device is still open
    assertThat(c.events().get(0).state().adminUp()).isTrue();
    NetdevState down = last(c);
    assertThat(down.operstate()).isEqualTo(OperState.DOWN);
    assertThat(down.flags()).containsExactlyInAnyOrder(IfFlag.BROADCAST, IfFlag.MULTICAST);
    assertThat(down.carrier()).isTrue();
  }

  @Test
  void mtu_isPreChangeMtuWithOldValue_thenChangeMtu() {
    PhyChange c = cmd("eth0", Op.MTU, 9000);

    assertThat(names(c)).containsExactly(NETDEV_PRECHANGEMTU, NETDEV_CHANGEMTU);
    assertThat(c.events().get(0).state().mtu()).isEqualTo(1500);
    assertThat(last(c).mtu()).isEqualTo(9000);
  }

  @Test
  void address_isPreChangeAddrThenChangeAddr_normalised() {
    PhyChange c = cmd("eth0", Op.ADDRESS, "02-AA-BB-CC-DD-EE");

    assertThat(names(c)).containsExactly(NETDEV_PRE_CHANGEADDR, NETDEV_CHANGEADDR);
    assertThat(c.events().get(0).state().address()).isEqualTo("52:54:00:12:34:56");
    assertThat(last(c).address()).isEqualTo("02:aa:bb:cc:dd:ee");
  }

  @Test
  void speed_whileUp_isNetdevChange_whileDown_silent() {
    PhyChange up = cmd("eth0", Op.SPEED, 10000);
    assertThat(names(up)).containsExactly(NETDEV_CHANGE);
    assertThat(last(up).speed()).isEqualTo(10000);

    PhyChange down = cmd("eth1", Op.SPEED, -1);
    assertThat(down.events()).isEmpty();
    assertThat(down.silentStates().get(0).speed()).isEqualTo(-1);
  }

  @Test
  void unregister_ofUpDevice_closesFirst_thenUnregister_andTheDeviceIsGone() {
    PhyChange c = cmd("eth0", Op.UNREGISTER, null);

    assertThat(names(c)).containsExactly(NETDEV_GOING_DOWN, NETDEV_DOWN, NETDEV_UNREGISTER);
    NetdevState s = last(c);
    assertThat(s.reg()).isEqualTo(RegState.UNREGISTERED);
    assertThat(s.adminUp()).isFalse();
    assertThat(model.state("eth0")).isEmpty();
    assertThat(model.snapshot()).extracting(NetdevState::ifname).containsExactly("eth1");
  }

  @Test
  void unregister_ofDownDevice_isOnlyUnregister() {
    assertThat(names(cmd("eth1", Op.UNREGISTER, null))).containsExactly(NETDEV_UNREGISTER);
  }

  @Test
  void register_again_getsAFreshIfindex_andTheConfiguredSettings() {
    cmd("eth0", Op.MTU, 9000);
    cmd("eth0", Op.UNREGISTER, null);

    PhyChange c = cmd("eth0", Op.REGISTER, null);

    assertThat(names(c)).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    NetdevState s = last(c);
    assertThat(s.ifindex()).isEqualTo(4); // eth0=2, eth1=3 at start
    assertThat(s.mtu()).isEqualTo(1500);
    assertThat(s.address()).isEqualTo("52:54:00:12:34:56");
    assertThat(s.carrierUpCount()).isZero();
  }

  @Test
  void register_ofConfiguredButUnregisteredPhy_usesItsConfig_withAGeneratedStableMac() {
    PhyChange c = cmd("eth2", Op.REGISTER, null);

    assertThat(names(c)).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    assertThat(last(c).address()).matches("02(:[0-9a-f]{2}){5}").isEqualTo(model.generatedMac("eth2"));
  }

  @Test
  void register_ofUnknownName_createsItWithDefaults() {
    PhyChange c = cmd("wlan0", Op.REGISTER, null);

    assertThat(names(c)).containsExactly(NETDEV_REGISTER, NETDEV_UP);
    NetdevState s = last(c);
    assertThat(s.mtu()).isEqualTo(1500);
    assertThat(s.speed()).isEqualTo(1000);
    assertThat(s.duplex()).isEqualTo(Duplex.FULL);
    assertThat(s.carrier()).isTrue();
    assertThat(s.operstate()).isEqualTo(OperState.UP);
    assertThat(s.address()).startsWith("02:");
  }

  @Test
  void commands_onMissingDevice_areRefused_noSuchDevice() {
    for (Op op : List.of(Op.CARRIER, Op.ADMIN, Op.UNREGISTER)) {
      Object value = op == Op.UNREGISTER ? null : Boolean.TRUE;
      assertThatThrownBy(() -> cmd("eth9", op, value))
          .isInstanceOf(InvalidMessageException.class)
          .hasMessageContaining("no such device")
          .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("no-such-device");
    }
    assertThatThrownBy(() -> cmd("eth9", Op.RENAME, "eth8")).hasMessageContaining("no such device");
  }

  @Test
  void rename_whileUp_isRefusedEbusy_andChangesNothing() {
    long before = seq.get();
    assertThatThrownBy(() -> cmd("eth0", Op.RENAME, "lan0"))
        .isInstanceOf(InvalidMessageException.class)
        .hasMessageContaining("EBUSY")
        .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("device-busy");
    assertThat(model.state("eth0")).isPresent();
    assertThat(model.state("lan0")).isEmpty();
    assertThat(seq.get()).isEqualTo(before);
  }

  @Test
  void rename_whileDown_isChangeNameWithOldIfname_sameIfindex() {
    PhyChange c = cmd("eth1", Op.RENAME, "lan0");

    assertThat(names(c)).containsExactly(NETDEV_CHANGENAME);
    NetdevEvent e = c.events().get(0);
    assertThat(e.oldIfname()).isEqualTo("eth1");
    assertThat(e.state().ifname()).isEqualTo("lan0");
    assertThat(e.state().ifindex()).isEqualTo(3);
    assertThat(model.state("eth1")).isEmpty();
    assertThat(model.state("lan0")).isPresent();
  }

  @Test
  void rename_ontoAnExistingName_isRefused() {
    cmd("eth0", Op.ADMIN, false);
    assertThatThrownBy(() -> cmd("eth0", Op.RENAME, "eth1"))
        .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("name-exists");
  }

  @Test
  void carrierCounters_countEveryRealTransition() {
    cmd("eth0", Op.CARRIER, false);
    cmd("eth0", Op.CARRIER, true);
    cmd("eth0", Op.ADMIN, false);
    cmd("eth0", Op.CARRIER, false);
    PhyChange c = cmd("eth0", Op.CARRIER, true);

    NetdevState s = c.silentStates().get(0);
    assertThat(s.carrierUpCount()).isEqualTo(2);
    assertThat(s.carrierDownCount()).isEqualTo(2);
  }
}
