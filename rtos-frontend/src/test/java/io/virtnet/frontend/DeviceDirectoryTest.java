package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.device;
import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.frontend.DeviceDirectory.Cause;
import io.virtnet.frontend.DeviceDirectory.Ensure;
import io.virtnet.frontend.DeviceDirectory.Probe;
import io.virtnet.frontend.DeviceDirectory.Redeclare;
import io.virtnet.frontend.DeviceDirectory.Remove;
import io.virtnet.frontend.DeviceDirectory.Reread;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.runtime.metrics.Repairs;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The device directory's decisions, on a fake clock, without a broker. */
class DeviceDirectoryTest {
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final DeviceDirectory dir = new DeviceDirectory(Set.of(2, 3), clock::get);
  private final DeviceInfo d = device("virtio-net0", 2, 42);

  @Test
  void newDevice_isProbedOnItsCpu_andOnlyIfThisNodeServesIt() {
    assertThat(dir.onDevice("virtio-net0", d, true)).containsExactly(new Probe(2, d));
    assertThat(dir.onDevice("virtio-net5", device("virtio-net5", 5, 45), true)).isEmpty();
    assertThat(dir.device("virtio-net5")).isNotNull();
  }

  @Test
  void identicalDevice_retainedChangesNothing_liveRepeatsDriverOk() {
    dir.onDevice("virtio-net0", d, true);

    assertThat(dir.onDevice("virtio-net0", d, true)).isEmpty();
    assertThat(dir.onDevice("virtio-net0", d, false)).containsExactly(new Redeclare(2, "virtio-net0"));
  }

  @Test
  void changedDevice_movesBetweenCpus_removedBeforeProbedAgain() {
    dir.onDevice("virtio-net0", d, true);
    DeviceInfo moved = device("virtio-net0", 3, 50);

    assertThat(dir.onDevice("virtio-net0", moved, false)).containsExactly(new Remove(2, "virtio-net0"), new Probe(3, moved));
    DeviceInfo sameCpuOtherIrq = device("virtio-net0", 3, 51);
    assertThat(dir.onDevice("virtio-net0", sameCpuOtherIrq, false)).containsExactly(new Probe(3, sameCpuOtherIrq));
    assertThat(dir.onDevice("virtio-net0", device("virtio-net0", 7, 51), false)).containsExactly(new Remove(3, "virtio-net0"));
  }

  @Test
  void liveGone_isOnlyAReread_untilTheStoreAgrees() {
    dir.onDevice("virtio-net0", d, true);

    assertThat(dir.onDevice("virtio-net0", null, false)).containsExactly(new Reread("virtio-net0", Cause.LIVE_GONE));
    assertThat(dir.onDevice("virtio-net0", null, false)).as("one re-read at a time").isEmpty();
    assertThat(dir.device("virtio-net0")).isEqualTo(d);

    DeviceDirectory.Outcome gone = dir.onReread("virtio-net0", null);
    assertThat(gone.steps()).containsExactly(new Remove(2, "virtio-net0"));
    assertThat(gone.repair()).as("a real removal is no repair").isNull();
    assertThat(dir.device("virtio-net0")).isNull();
  }

  @Test
  void liveGone_thatTheStoreRefutes_keepsTheDriver_andCountsARepair() {
    dir.onDevice("virtio-net0", d, true);
    dir.onDevice("virtio-net0", null, false);

    DeviceDirectory.Outcome kept = dir.onReread("virtio-net0", d);

    assertThat(kept.steps()).isEmpty();
    assertThat(kept.repair()).isEqualTo(Repairs.GONE_REFUSED);
    assertThat(dir.device("virtio-net0")).isEqualTo(d);
    assertThat(dir.rereads()).isZero();
  }

  @Test
  void liveGone_supersededByANewerDevice_isNotActedOnWhenTheRereadFindsNothing() {
    dir.onDevice("virtio-net0", d, true);
    dir.onDevice("virtio-net0", null, false);
    dir.onDevice("virtio-net0", d, false); // the owner re-asserted it

    assertThat(dir.onReread("virtio-net0", null)).isEqualTo(DeviceDirectory.Outcome.NOTHING);
    assertThat(dir.device("virtio-net0")).isEqualTo(d);
  }

  @Test
  void liveGone_ofAnUnknownOrUnservedDevice_needsNoReread() {
    assertThat(dir.onDevice("virtio-net9", null, false)).isEmpty();
    dir.onDevice("virtio-net5", device("virtio-net5", 5, 45), true);
    assertThat(dir.onDevice("virtio-net5", null, false)).isEmpty();
    assertThat(dir.device("virtio-net5")).isNull();
  }

  @Test
  void unknownIrq_rereads_andProbesWhatTheStoreHolds() {
    assertThat(dir.onUnknownIrq("virtio-net0")).containsExactly(new Reread("virtio-net0", Cause.UNKNOWN_IRQ));

    DeviceDirectory.Outcome found = dir.onReread("virtio-net0", d);

    assertThat(found.steps()).containsExactly(new Probe(2, d));
    assertThat(found.repair()).isEqualTo(Repairs.DEVICE_REREAD);
  }

  @Test
  void unknownIrq_forAKnownDevice_ensuresItsDriver() {
    dir.onDevice("virtio-net0", d, true);
    dir.onUnknownIrq("virtio-net0");

    DeviceDirectory.Outcome o = dir.onReread("virtio-net0", d);

    assertThat(o.steps()).containsExactly(new Ensure(2, d));
    assertThat(o.repair()).as("counted only if the CPU really had to probe").isNull();
  }

  @Test
  void unknownIrq_forADeviceTheStoreDoesNotHold_removesAStaleOne() {
    dir.onDevice("virtio-net0", d, true);
    dir.onUnknownIrq("virtio-net0");

    DeviceDirectory.Outcome o = dir.onReread("virtio-net0", null);

    assertThat(o.steps()).containsExactly(new Remove(2, "virtio-net0"));
    assertThat(o.repair()).isEqualTo(Repairs.DEVICE_REREAD);
    assertThat(dir.onUnknownIrq("virtio-net4")).hasSize(1);
    assertThat(dir.onReread("virtio-net4", null)).isEqualTo(DeviceDirectory.Outcome.NOTHING);
  }

  @Test
  void unknownIrqStorm_costsOneRereadPerInstancePerHoldoff() {
    assertThat(dir.onUnknownIrq("virtio-net0")).hasSize(1);
    assertThat(dir.onUnknownIrq("virtio-net0")).isEmpty();
    dir.onReread("virtio-net0", null);
    clock.addAndGet(DeviceDirectory.REREAD_HOLDOFF_MS - 1);
    assertThat(dir.onUnknownIrq("virtio-net0")).as("still held off").isEmpty();

    clock.addAndGet(1);
    assertThat(dir.onUnknownIrq("virtio-net0")).hasSize(1);
  }

  @Test
  void rereadsInFlight_areCapped() {
    for (int i = 0; i < DeviceDirectory.MAX_REREADS; i++) {
      assertThat(dir.onUnknownIrq("virtio-net" + i)).hasSize(1);
    }
    assertThat(dir.onUnknownIrq("virtio-net-extra")).isEmpty();
    assertThat(dir.rereads()).isEqualTo(DeviceDirectory.MAX_REREADS);

    dir.onRereadFailed("virtio-net0");
    assertThat(dir.onUnknownIrq("virtio-net-extra")).hasSize(1);
  }

  @Test
  void rereadFindingAChangedDevice_routesIt() {
    dir.onDevice("virtio-net0", d, true);
    dir.onDevice("virtio-net0", null, false);
    DeviceInfo moved = device("virtio-net0", 3, 50);

    DeviceDirectory.Outcome o = dir.onReread("virtio-net0", moved);

    assertThat(o.steps()).isEqualTo(List.of(new Remove(2, "virtio-net0"), new Probe(3, moved)));
    assertThat(o.repair()).isEqualTo(Repairs.DEVICE_REREAD);
  }
}
