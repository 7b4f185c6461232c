package io.virtnet.protocol;

import java.util.Objects;

/**
 * Topic names of docs/contract.md §4 under a configurable prefix (default {@value #DEFAULT_PREFIX}).
 * Builders validate the names they are given, so no topic can be built from a hostile name.
 */
public final class Topics {
  public static final String DEFAULT_PREFIX = "vnet";

  private final String prefix;
  private final Layout layout;

  private Topics(String prefix) {
    this.prefix = prefix;
    this.layout = new Layout(prefix);
  }

  public static Topics of(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty() || prefix.contains("+") || prefix.contains("#") || prefix.startsWith("/")
        || prefix.endsWith("/")) {
      throw new IllegalArgumentException("topic prefix '" + prefix + "' must be non-empty, without wildcards or edge slashes");
    }
    return new Topics(prefix);
  }

  public static Topics defaults() {
    return of(DEFAULT_PREFIX);
  }

  public String prefix() {
    return prefix;
  }

  public String phyStatus(String agent) {
    return layout.phyStatus(Names.requireInstance(agent));
  }

  public String phyState(String agent, String ifname) {
    return layout.phy(Names.requireInstance(agent), Names.requireIfname(ifname), "state");
  }

  public String phyEvent(String agent, String ifname) {
    return layout.phy(Names.requireInstance(agent), Names.requireIfname(ifname), "event");
  }

  public String phyCmd(String agent, String ifname) {
    return layout.phy(Names.requireInstance(agent), Names.requireIfname(ifname), "cmd");
  }

  public String phyRef(String agent, String ifname, String holder) {
    return layout.phyRef(Names.requireInstance(agent), Names.requireIfname(ifname), Names.requireInstance(holder));
  }

  public String backendStatus(String node) {
    return layout.backendStatus(Names.requireInstance(node));
  }

  public String virtioDevice(String instance) {
    return layout.virtio(Names.requireInstance(instance), "device");
  }

  public String virtioConfig(String instance) {
    return layout.virtio(Names.requireInstance(instance), "config");
  }

  public String virtioCtrl(String instance) {
    return layout.virtio(Names.requireInstance(instance), "ctrl");
  }

  public String rtosIrq(int cpu) {
    return layout.rtosIrq(String.valueOf(requireCpu(cpu)));
  }

  public String rtosLink(int cpu, String instance) {
    return layout.rtosLink(String.valueOf(requireCpu(cpu)), Names.requireInstance(instance));
  }

  // Subscription filters.

  /** {@code vnet/phy/{agent}/+/cmd}: the commands for every sim PHY of one agent. */
  public String allPhyCmds(String agent) {
    return layout.phy(Names.requireInstance(agent), "+", "cmd");
  }

  /** {@code vnet/phy/{agent}/+/ref/+}: every hold on one agent's PHYs. */
  public String allPhyRefs(String agent) {
    return layout.phyRef(Names.requireInstance(agent), "+", "+");
  }

  /** {@code vnet/phy/{agent}/+/state}: the retained state of every PHY of one agent. */
  public String allPhyStates(String agent) {
    return layout.phy(Names.requireInstance(agent), "+", "state");
  }

  /** {@code vnet/phy/{agent}/+/event}: the events of every PHY of one agent. */
  public String allPhyEvents(String agent) {
    return layout.phy(Names.requireInstance(agent), "+", "event");
  }

  /** {@code vnet/phy/+/+/state}: every PHY's retained state. */
  public String allPhyStates() {
    return layout.phy("+", "+", "state");
  }

  /** {@code vnet/phy/+/+/event}. */
  public String allPhyEvents() {
    return layout.phy("+", "+", "event");
  }

  /** {@code vnet/phy/+/status}: every agent's status. */
  public String allAgentStatus() {
    return layout.phyStatus("+");
  }

  /** {@code vnet/backend/+/status}. */
  public String allBackendStatus() {
    return layout.backendStatus("+");
  }

  /** {@code vnet/virtio/+/device}. */
  public String allDevices() {
    return layout.virtio("+", "device");
  }

  /** {@code vnet/rtos/+/+/link}. */
  public String allLinks() {
    return layout.rtosLink("+", "+");
  }

  /** {@code vnet/rtos/+/irq}. */
  public String allIrqs() {
    return layout.rtosIrq("+");
  }

  /**
   * The same topics built from names that are NOT checked, for the fault injector's forgeries only:
   * a topic from here may break the contract on purpose (a wildcard, a slash or a bad cpu in a name).
   */
  public Forged forged() {
    return new Forged(layout);
  }

  /** Topic builders without name checks; see {@link #forged()}. */
  public static final class Forged {
    private final Layout layout;

    private Forged(Layout layout) {
      this.layout = layout;
    }

    public String phyState(String agent, String ifname) {
      return layout.phy(agent, ifname, "state");
    }

    public String phyEvent(String agent, String ifname) {
      return layout.phy(agent, ifname, "event");
    }

    public String phyCmd(String agent, String ifname) {
      return layout.phy(agent, ifname, "cmd");
    }

    public String phyRef(String agent, String ifname, String holder) {
      return layout.phyRef(agent, ifname, holder);
    }

    public String phyStatus(String agent) {
      return layout.phyStatus(agent);
    }

    public String backendStatus(String node) {
      return layout.backendStatus(node);
    }

    public String virtioDevice(String instance) {
      return layout.virtio(instance, "device");
    }

    public String virtioConfig(String instance) {
      return layout.virtio(instance, "config");
    }

    public String virtioCtrl(String instance) {
      return layout.virtio(instance, "ctrl");
    }

    public String rtosIrq(String cpu) {
      return layout.rtosIrq(cpu);
    }
  }

  /** The one place the topic layout of docs/contract.md §4 is written down; names as given. */
  private record Layout(String prefix) {
    String phyStatus(String agent) {
      return prefix + "/phy/" + agent + "/status";
    }

    String phy(String agent, String ifname, String leaf) {
      return prefix + "/phy/" + agent + "/" + ifname + "/" + leaf;
    }

    String phyRef(String agent, String ifname, String holder) {
      return prefix + "/phy/" + agent + "/" + ifname + "/ref/" + holder;
    }

    String backendStatus(String node) {
      return prefix + "/backend/" + node + "/status";
    }

    String virtio(String instance, String leaf) {
      return prefix + "/virtio/" + instance + "/" + leaf;
    }

    String rtosIrq(String cpu) {
      return prefix + "/rtos/" + cpu + "/irq";
    }

    String rtosLink(String cpu, String instance) {
      return prefix + "/rtos/" + cpu + "/" + instance + "/link";
    }
  }

  private static int requireCpu(int cpu) {
    if (cpu < 0 || cpu > 4095) {
      throw InvalidMessageException.of("out-of-range", "cpu must be 0..4095, got " + cpu);
    }
    return cpu;
  }

  /**
   * Parses a concrete topic under this prefix. Returns null for a topic outside the prefix or of no
   * known shape; throws {@link InvalidMessageException} when the shape is known but a name is invalid.
   */
  public TopicName parse(String topic) {
    if (topic == null || !topic.startsWith(prefix + "/")) {
      return null;
    }
    String[] p = topic.substring(prefix.length() + 1).split("/", -1);
    switch (p[0]) {
      case "phy":
        if (p.length == 3 && p[2].equals("status")) {
          return new TopicName.AgentStatus(Names.requireInstance(p[1]));
        }
        if (p.length == 4) {
          String agent = Names.requireInstance(p[1]);
          String ifname = Names.requireIfname(p[2]);
          switch (p[3]) {
            case "state":
              return new TopicName.PhyState(agent, ifname);
            case "event":
              return new TopicName.PhyEvent(agent, ifname);
            case "cmd":
              return new TopicName.PhyCmd(agent, ifname);
            default:
              return null;
          }
        }
        if (p.length == 5 && p[3].equals("ref")) {
          return new TopicName.PhyRef(Names.requireInstance(p[1]), Names.requireIfname(p[2]), Names.requireInstance(p[4]));
        }
        return null;
      case "backend":
        return p.length == 3 && p[2].equals("status") ? new TopicName.BackendStatus(Names.requireInstance(p[1])) : null;
      case "virtio":
        if (p.length == 3) {
          String inst = Names.requireInstance(p[1]);
          switch (p[2]) {
            case "device":
              return new TopicName.VirtioDevice(inst);
            case "config":
              return new TopicName.VirtioConfigTopic(inst);
            case "ctrl":
              return new TopicName.VirtioCtrl(inst);
            default:
              return null;
          }
        }
        return null;
      case "rtos":
        if (p.length == 3 && p[2].equals("irq")) {
          return new TopicName.RtosIrq(parseCpu(p[1]));
        }
        if (p.length == 4 && p[3].equals("link")) {
          return new TopicName.RtosLink(parseCpu(p[1]), Names.requireInstance(p[2]));
        }
        return null;
      default:
        return null;
    }
  }

  private static int parseCpu(String s) {
    if (s.isEmpty() || s.length() > 4 || !s.chars().allMatch(Character::isDigit)) {
      throw InvalidMessageException.of("invalid-name", "cpu '" + Names.printable(s) + "' is not a number");
    }
    return requireCpu(Integer.parseInt(s));
  }
}
