package io.virtnet.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** virtio-net feature bits used by this project (VIRTIO 1.2 section 5.1.3). */
public enum VirtioFeature {
  MTU(3),
  MAC(5),
  STATUS(16),
  CTRL_VQ(17),
  GUEST_ANNOUNCE(21),
  VERSION_1(32),
  SPEED_DUPLEX(63);

  private final int bit;

  VirtioFeature(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  public long mask() {
    return 1L << bit;
  }

  public static long toBits(Set<VirtioFeature> features) {
    long bits = 0;
    for (VirtioFeature f : features) {
      bits |= f.mask();
    }
    return bits;
  }

  public static Set<VirtioFeature> fromBits(long bits) {
    EnumSet<VirtioFeature> set = EnumSet.noneOf(VirtioFeature.class);
    for (VirtioFeature f : values()) {
      if ((bits & f.mask()) != 0) {
        set.add(f);
      }
    }
    return set;
  }

  /** The feature names in bit order, as the contract's JSON arrays carry them. */
  public static List<String> names(Set<VirtioFeature> features) {
    List<String> names = new ArrayList<>(features.size());
    for (VirtioFeature f : values()) {
      if (features.contains(f)) {
        names.add(f.name());
      }
    }
    return names;
  }

  /**
   * What a device offering {@code device} and a driver accepting {@code driver} agree on. GUEST_ANNOUNCE
   * is dropped without CTRL_VQ, as the spec makes it depend on the control queue.
   */
  public static Set<VirtioFeature> negotiate(Set<VirtioFeature> device, Set<VirtioFeature> driver) {
    EnumSet<VirtioFeature> agreed = EnumSet.noneOf(VirtioFeature.class);
    agreed.addAll(device);
    agreed.retainAll(driver);
    if (!agreed.contains(CTRL_VQ)) {
      agreed.remove(GUEST_ANNOUNCE);
    }
    return agreed;
  }
}
