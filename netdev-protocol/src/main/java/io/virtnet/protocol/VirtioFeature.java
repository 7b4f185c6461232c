package io.virtnet.protocol;

import io.vertx.core.json.JsonArray;
import java.util.EnumSet;
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

  /** Parses a JSON array of feature names; unknown names are an {@link InvalidMessageException}. */
  public static Set<VirtioFeature> fromJson(JsonArray names) {
    EnumSet<VirtioFeature> set = EnumSet.noneOf(VirtioFeature.class);
    for (Object o : names) {
      if (!(o instanceof String s)) {
        throw InvalidMessageException.of("wrong-type", "feature names must be strings");
      }
      try {
        set.add(valueOf(s));
      } catch (IllegalArgumentException e) {
        throw InvalidMessageException.of("unknown-value", "unknown virtio-net feature '" + Names.printable(s) + "'");
      }
    }
    return set;
  }

  public static JsonArray toJson(Set<VirtioFeature> features) {
    JsonArray a = new JsonArray();
    for (VirtioFeature f : features) {
      a.add(f.name());
    }
    return a;
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
