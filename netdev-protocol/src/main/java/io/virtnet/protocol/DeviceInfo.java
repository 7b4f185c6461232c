package io.virtnet.protocol;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** A virtio-net device as the RTOS discovers it on {@code vnet/virtio/{instance}/device}. */
public record DeviceInfo(
    String instance, int cpu, int irq, Set<VirtioFeature> deviceFeatures, String phy, String agent,
    FrontendBinding frontend) {

  public DeviceInfo {
    Names.requireInstance(instance);
    Names.requireIfname(phy);
    Names.requireInstance(agent);
    if (cpu < 0 || cpu > 4095) {
      throw InvalidMessageException.of("out-of-range", "cpu must be 0..4095, got " + cpu);
    }
    if (irq < 0 || irq > 65535) {
      throw InvalidMessageException.of("out-of-range", "irq must be 0..65535, got " + irq);
    }
    deviceFeatures = Collections.unmodifiableSet(deviceFeatures.isEmpty()
        ? EnumSet.noneOf(VirtioFeature.class) : EnumSet.copyOf(deviceFeatures));
  }
}
