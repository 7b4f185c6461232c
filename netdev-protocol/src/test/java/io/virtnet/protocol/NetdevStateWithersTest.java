package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each wither changes its one field, keeps every other, and validates as the constructor does. */
class NetdevStateWithersTest {
  private final NetdevState s = ContractPinTest.eth0();

  /** {@code changed} differs from {@link #s} in exactly the record components named. */
  private void assertOnlyChanged(UnaryOperator<NetdevState> wither, String... components) {
    NetdevState changed = wither.apply(s);
    for (var c : NetdevState.class.getRecordComponents()) {
      Object before;
      Object after;
      try {
        before = c.getAccessor().invoke(s);
        after = c.getAccessor().invoke(changed);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
      if (Set.of(components).contains(c.getName())) {
        assertThat(after).as(c.getName()).isNotEqualTo(before);
      } else {
        assertThat(after).as(c.getName()).isEqualTo(before);
      }
    }
  }

  @Test
  void eachWitherChangesItsFieldOnly() {
    assertOnlyChanged(x -> x.withAgent("linux1"), "agent");
    assertOnlyChanged(x -> x.withIfname("eth1"), "ifname");
    assertOnlyChanged(x -> x.withFlags(EnumSet.of(IfFlag.UP)), "flags");
    assertOnlyChanged(x -> x.withOperstate(OperState.DOWN), "operstate");
    assertOnlyChanged(x -> x.withCarrier(false), "carrier");
    assertOnlyChanged(x -> x.withMtu(9000), "mtu");
    assertOnlyChanged(x -> x.withAddress("52:54:00:12:34:57"), "address");
    assertOnlyChanged(x -> x.withSpeed(100), "speed");
    assertOnlyChanged(x -> x.withDuplex(Duplex.HALF), "duplex");
    assertOnlyChanged(x -> x.withCarrierCounts(4, 5), "carrierUpCount", "carrierDownCount");
    assertOnlyChanged(x -> x.withReg(RegState.UNREGISTERING), "reg");
    assertOnlyChanged(x -> x.withTs(Instant.EPOCH), "ts");
    assertOnlyChanged(x -> x.withSeq(43, Instant.EPOCH), "seq", "ts");
  }

  @Test
  void withersValidate() {
    assertThatThrownBy(() -> s.withMtu(-1)).isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> s.withIfname("eth0/#")).isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> s.withSpeed(-2)).isInstanceOf(InvalidMessageException.class);
    assertThat(s.withCarrier(false).withOperstate(OperState.LOWERLAYERDOWN).linkUp()).isFalse();
  }
}
