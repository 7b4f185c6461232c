package io.virtnet.agent.config;

import io.virtnet.protocol.Names;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code agent} section, parsed once: the agent's name (its MQTT identity), where PHYs come from,
 * which interfaces a netlink agent reports ({@link #allInterfaces()} when the list is empty) and the
 * simulated PHYs of a sim agent. {@code phys} is kept but unused for netlink, so the default stack can
 * be switched with {@code --phy-source netlink}.
 */
public record AgentConfig(String name, Source source, List<String> interfaces, List<SimPhyConfig> phys) {
  public static final String DEFAULT_NAME = "linux0";
  /** The value of {@code interfaces} that selects every interface but {@code lo}. */
  public static final String ALL = "all";

  /** Where PHYs come from. */
  public enum Source {
    SIM,
    NETLINK;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** {@code sim} or {@code netlink}; throws IllegalArgumentException otherwise. */
    public static Source ofWireName(String s) {
      for (Source v : values()) {
        if (v.wireName().equals(s)) {
          return v;
        }
      }
      throw new IllegalArgumentException("must be sim or netlink, got '" + Names.printable(s) + "'");
    }
  }

  public AgentConfig {
    String problem = Names.instanceProblem(name);
    if (problem != null) {
      throw new ConfigException("agent.name: " + problem);
    }
    if (source == null) {
      throw new ConfigException("agent.source: is required (sim or netlink)");
    }
    interfaces = List.copyOf(interfaces);
    for (String i : interfaces) {
      String p = Names.ifnameProblem(i);
      if (p != null) {
        throw new ConfigException("agent.interfaces: " + p);
      }
    }
    if (source == Source.SIM && !interfaces.isEmpty()) {
      throw new ConfigException("agent.interfaces: only a netlink agent selects interfaces; a sim agent has its phys (use 'all')");
    }
    phys = List.copyOf(phys);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < phys.size(); i++) {
      if (!seen.add(phys.get(i).name())) {
        throw new ConfigException("agent.phys[" + i + "].name: duplicate PHY name '" + phys.get(i).name() + "'");
      }
    }
  }

  /** A sim agent with these PHYs (tests, launcher). */
  public static AgentConfig sim(String name, List<SimPhyConfig> phys) {
    return new AgentConfig(name, Source.SIM, List.of(), phys);
  }

  /** A netlink agent reporting {@code interfaces} (empty: all). */
  public static AgentConfig netlink(String name, List<String> interfaces) {
    return new AgentConfig(name, Source.NETLINK, interfaces, List.of());
  }

  /** Whether a netlink agent reports every interface (but {@code lo}). */
  public boolean allInterfaces() {
    return interfaces.isEmpty();
  }

  /** Parses the {@code agent} section of a configuration tree. */
  public static AgentConfig from(ConfigNode root) {
    ConfigNode n = root.child("agent").allowOnly("name", "source", "interfaces", "phys");
    String name = n.string("name", DEFAULT_NAME);
    String problem = Names.instanceProblem(name);
    if (problem != null) {
      throw n.error("name", problem);
    }
    Source source;
    try {
      source = Source.ofWireName(n.string("source", Source.SIM.wireName()));
    } catch (IllegalArgumentException e) {
      throw n.error("source", e.getMessage());
    }
    List<String> interfaces = parseInterfaces(n);
    List<SimPhyConfig> phys = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ConfigNode p : n.children("phys")) {
      SimPhyConfig phy = SimPhyConfig.from(p);
      if (!seen.add(phy.name())) {
        throw p.error("name", "duplicate PHY name '" + phy.name() + "'");
      }
      phys.add(phy);
    }
    return new AgentConfig(name, source, interfaces, phys);
  }

  private static List<String> parseInterfaces(ConfigNode n) {
    List<String> list = n.strings("interfaces", List.of(ALL));
    if (list.size() == 1 && list.get(0).equals(ALL)) {
      return List.of();
    }
    if (list.isEmpty()) {
      throw n.error("interfaces", "must be 'all' or name at least one interface");
    }
    Set<String> seen = new HashSet<>();
    for (String i : list) {
      String p = Names.ifnameProblem(i);
      if (p != null) {
        throw n.error("interfaces", p);
      }
      if (i.equals(ALL)) {
        throw n.error("interfaces", "'all' cannot be combined with names");
      }
      if (!seen.add(i)) {
        throw n.error("interfaces", "'" + i + "' is listed twice");
      }
    }
    return List.copyOf(list);
  }
}
