package io.virtnet.frontend;

import io.virtnet.protocol.DeviceInfo;
import io.virtnet.runtime.metrics.Repairs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The node's view of {@code vnet/virtio/+/device} (its "device tree") and what to do when it
 * changes, as steps for the CPUs this node serves: probe a device on its CPU, remove it, or have its
 * driver declare its features again. Pure logic: no I/O, time from a clock.
 *
 * <p>The retained store is the truth (docs/contract.md §3): a live "gone" (an empty payload that
 * was not a retained delivery) is acted on only once a re-read of the retained topic agrees (a real
 * removal clears it first); an IRQ for a device a CPU does not know makes the node re-read that
 * device. At most one re-read per instance is in flight, at most {@link #MAX_REREADS} in all, and an
 * instance re-read for an IRQ is not re-read again for {@link #REREAD_HOLDOFF_MS}, so a storm of
 * forged IRQs costs a bounded number of reads.
 */
final class DeviceDirectory {
  static final int MAX_REREADS = 64;
  static final long REREAD_HOLDOFF_MS = 1_000;
  private static final int MAX_HOLDOFFS = 4096;

  /** What a CPU of this node is to do. */
  sealed interface Step {}

  /** Probe {@code device} on {@code cpu}, replacing a driver of the same instance there. */
  record Probe(int cpu, DeviceInfo device) implements Step {}

  /** Remove the driver of {@code instance} from {@code cpu}. */
  record Remove(int cpu, String instance) implements Step {}

  /** Probe {@code device} on {@code cpu} unless a driver for it is already there. */
  record Ensure(int cpu, DeviceInfo device) implements Step {}

  /** The identical device was published live: its backend restarted, so DRIVER_OK must be repeated. */
  record Redeclare(int cpu, String instance) implements Step {}

  /** Re-read the retained {@code device} topic of {@code instance}, then call {@link #onReread}. */
  record Reread(String instance, Cause cause) implements Step {}

  /** Why a device is re-read. */
  enum Cause { LIVE_GONE, UNKNOWN_IRQ }

  private final Set<Integer> served;
  private final LongSupplier clockMs;
  private final Map<String, DeviceInfo> devices = new HashMap<>();
  private final Map<String, Cause> rereading = new HashMap<>();
  private final Map<String, Long> lastIrqReread = new HashMap<>();

  DeviceDirectory(Set<Integer> servedCpus, LongSupplier clockMs) {
    this.served = Set.copyOf(servedCpus);
    this.clockMs = clockMs;
  }

  /**
   * A valid message on the device topic of {@code instance}: {@code device} null for an empty
   * payload; {@code retained} when it came from a (re)subscription.
   */
  List<Step> onDevice(String instance, DeviceInfo device, boolean retained) {
    if (device == null && !retained) {
      // live gone: believe the retained store, not the message
      DeviceInfo known = devices.get(instance);
      if (known == null || !served(known)) {
        devices.remove(instance); // not ours to doubt: no CPU here acts on it
        return List.of();
      }
      return reread(instance, Cause.LIVE_GONE);
    }
    if (device != null) {
      rereading.remove(instance, Cause.LIVE_GONE); // a newer device supersedes the doubt
    }
    DeviceInfo previous = devices.get(instance);
    if (Objects.equals(previous, device)) {
      // identical: no re-probe. A live republish means the backend (re)started and lost DRIVER_OK; a
      // retained redelivery follows our own reconnect, which the CPU handles already.
      return device != null && !retained && served(device) ? List.of(new Redeclare(device.cpu(), instance)) : List.of();
    }
    return change(instance, previous, device);
  }

  /** An IRQ on {@code cpu} named {@code instance}, which has no driver there (or another irq line). */
  List<Step> onUnknownIrq(String instance) {
    Long last = lastIrqReread.get(instance);
    if (last != null && clockMs.getAsLong() - last < REREAD_HOLDOFF_MS) {
      return List.of();
    }
    List<Step> steps = reread(instance, Cause.UNKNOWN_IRQ);
    if (!steps.isEmpty()) {
      long now = clockMs.getAsLong();
      if (lastIrqReread.size() >= MAX_HOLDOFFS) { // forged names must not grow this without bound
        lastIrqReread.values().removeIf(t -> now - t >= REREAD_HOLDOFF_MS);
      }
      lastIrqReread.put(instance, now);
    }
    return steps;
  }

  /**
   * The retained device of {@code instance} as re-read ({@code device} null: the store holds none):
   * the steps, and which repair they are, if any ({@link Repairs} kinds).
   */
  Outcome onReread(String instance, DeviceInfo device) {
    Cause cause = rereading.remove(instance);
    if (cause == null && device == null) {
      return Outcome.NOTHING; // superseded by a newer device meanwhile
    }
    DeviceInfo previous = devices.get(instance);
    if (device == null) {
      // the store agrees: gone (a real removal, or a device this node should not have had)
      return previous == null ? Outcome.NOTHING
          : new Outcome(change(instance, previous, null), cause == Cause.UNKNOWN_IRQ ? Repairs.DEVICE_REREAD : null);
    }
    if (!device.equals(previous)) {
      return new Outcome(change(instance, previous, device), Repairs.DEVICE_REREAD); // an update we had missed
    }
    if (cause == Cause.UNKNOWN_IRQ && served(device)) {
      return new Outcome(List.of(new Ensure(device.cpu(), device)), null); // a repair if the CPU had lost it
    }
    return new Outcome(List.of(), cause == Cause.LIVE_GONE ? Repairs.GONE_REFUSED : null);
  }

  /** A re-read that could not be made (the session closed): forget it. */
  void onRereadFailed(String instance) {
    rereading.remove(instance);
  }

  /** Steps, and the kind of repair they make (null: none). */
  record Outcome(List<Step> steps, String repair) {
    static final Outcome NOTHING = new Outcome(List.of(), null);
  }

  /** Forgets {@code instance} as a lost message would (a fault hook for tests): the steps that follow. */
  List<Step> lose(String instance) {
    DeviceInfo previous = devices.get(instance);
    return previous == null ? List.of() : change(instance, previous, null);
  }

  /** The device known for {@code instance}, or null. */
  DeviceInfo device(String instance) {
    return devices.get(instance);
  }

  /** Re-reads in flight. */
  int rereads() {
    return rereading.size();
  }

  private List<Step> reread(String instance, Cause cause) {
    if (rereading.containsKey(instance)) {
      if (cause == Cause.LIVE_GONE) {
        rereading.put(instance, cause); // the result now decides a gone
      }
      return List.of();
    }
    if (rereading.size() >= MAX_REREADS) {
      return List.of();
    }
    rereading.put(instance, cause);
    return List.of(new Reread(instance, cause));
  }

  private List<Step> change(String instance, DeviceInfo previous, DeviceInfo next) {
    if (next == null) {
      devices.remove(instance);
    } else {
      devices.put(instance, next);
    }
    List<Step> steps = new ArrayList<>(2);
    boolean from = previous != null && served(previous);
    boolean to = next != null && served(next);
    if (from && (!to || previous.cpu() != next.cpu())) {
      steps.add(new Remove(previous.cpu(), instance));
    }
    if (to) {
      // a probe replaces an existing driver on the same CPU (changed features, irq, binding)
      steps.add(new Probe(next.cpu(), next));
    }
    return steps;
  }

  private boolean served(DeviceInfo d) {
    return served.contains(d.cpu());
  }
}
