package io.virtnet.frontend.config;

import io.virtnet.protocol.Names;
import io.virtnet.protocol.RemoteTargets;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code frontend} section: the node name (MQTT client id {@code vnet-frontend-{node}}), the RTOS
 * CPUs this process serves (one verticle each), the features its drivers accept, and the remote
 * VM-control targets a device's binding may name ({@code remoteTargets}; this host's are always allowed).
 */
public record FrontendConfig(String node, List<Integer> cpus, Set<VirtioFeature> driverFeatures,
    RemoteTargets remoteTargets) {
  public static final String SECTION = "frontend";
  public static final List<Integer> DEFAULT_CPUS = List.of(2, 3);
  public static final Set<VirtioFeature> DEFAULT_DRIVER_FEATURES = Collections.unmodifiableSet(EnumSet.of(
      VirtioFeature.STATUS, VirtioFeature.CTRL_VQ, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MTU,
      VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX, VirtioFeature.VERSION_1));
  public static final int MAX_CPU = 4095;

  public FrontendConfig {
    if (cpus == null || cpus.isEmpty()) {
      throw new ConfigException(SECTION + ".cpus: must list at least one CPU");
    }
    Set<Integer> seen = new HashSet<>();
    for (Integer cpu : cpus) {
      if (cpu == null || cpu < 0 || cpu > MAX_CPU) {
        throw new ConfigException(SECTION + ".cpus: entries must be 0.." + MAX_CPU + ", got " + cpu);
      }
      if (!seen.add(cpu)) {
        throw new ConfigException(SECTION + ".cpus: CPU " + cpu + " is listed twice");
      }
    }
    cpus = List.copyOf(cpus);
    if (node == null) {
      node = defaultNode(cpus);
    }
    String problem = Names.instanceProblem(node);
    if (problem != null) {
      throw new ConfigException(SECTION + ".node: " + problem);
    }
    driverFeatures = driverFeatures == null || driverFeatures.isEmpty()
        ? Collections.unmodifiableSet(EnumSet.noneOf(VirtioFeature.class))
        : Collections.unmodifiableSet(EnumSet.copyOf(driverFeatures));
    remoteTargets = remoteTargets == null ? RemoteTargets.NONE : remoteTargets;
  }

  /** A config that allows only this host's VM-control targets. */
  public FrontendConfig(String node, List<Integer> cpus, Set<VirtioFeature> driverFeatures) {
    this(node, cpus, driverFeatures, RemoteTargets.NONE);
  }

  /** The defaults: node {@code rtos-2-3}, CPUs 2 and 3, every feature the reference driver knows. */
  public static FrontendConfig defaults() {
    return new FrontendConfig(null, DEFAULT_CPUS, DEFAULT_DRIVER_FEATURES);
  }

  /** {@code "rtos-" + cpus joined by "-"}, e.g. {@code rtos-2-3}. */
  public static String defaultNode(List<Integer> cpus) {
    return "rtos-" + cpus.stream().map(String::valueOf).collect(Collectors.joining("-"));
  }

  /** Reads the {@code frontend} section of a configuration tree. */
  public static FrontendConfig from(ConfigNode root) {
    return from(root, null);
  }

  /**
   * Reads the {@code frontend} section; {@code cpusOverride} (from {@code --cpus}, may be null) replaces
   * the configured CPUs, and the default node name follows it unless the section names a node.
   */
  public static FrontendConfig from(ConfigNode root, List<Integer> cpusOverride) {
    ConfigNode n = root.child(SECTION).allowOnly("node", "cpus", "driverFeatures", "remoteTargets");
    List<Integer> cpus;
    if (cpusOverride != null) {
      cpus = cpusOverride;
    } else {
      List<Long> raw = n.integers("cpus", 0, MAX_CPU, null);
      cpus = raw == null ? DEFAULT_CPUS : raw.stream().map(Long::intValue).toList();
    }
    String node = n.string("node", null);
    if (node != null && node.isEmpty()) {
      throw n.error("node", "must not be empty");
    }
    Set<VirtioFeature> features = DEFAULT_DRIVER_FEATURES;
    List<String> names = n.strings("driverFeatures", null);
    if (names != null) {
      features = EnumSet.noneOf(VirtioFeature.class);
      for (String name : names) {
        try {
          features.add(VirtioFeature.valueOf(name));
        } catch (IllegalArgumentException e) {
          throw n.error("driverFeatures", "unknown feature '" + Names.printable(name) + "' (known: "
              + Arrays.stream(VirtioFeature.values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
        }
      }
    }
    RemoteTargets remote = new RemoteTargets(Set.copyOf(n.strings("remoteTargets", List.of())));
    return new FrontendConfig(node, cpus, features, remote);
  }
}
