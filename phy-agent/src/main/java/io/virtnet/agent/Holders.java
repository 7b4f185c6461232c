package io.virtnet.agent;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The references ({@code dev_hold}) backends hold on this agent's PHYs, by PHY name, and which
 * backend nodes are offline. A hold counts unless its node's status is {@code offline} (the node
 * died: its will message). Not thread-safe; the verticle uses it on its context.
 *
 * <p>After a reconnection the retained holds arrive again; {@link #beginResync()} and
 * {@link #endResync(long)} sweep holds that were put while the connection was down (their empty
 * retained payload is not delivered again).
 */
final class Holders {
  private record Hold(String node, long generation) {}

  private final Map<String, Map<String, Hold>> holds = new HashMap<>();
  private final Set<String> offlineNodes = new HashSet<>();
  private long generation;

  /** Records (or refreshes) {@code holder}'s hold on {@code ifname}. */
  void hold(String ifname, String holder, String node) {
    holds.computeIfAbsent(ifname, k -> new HashMap<>()).put(holder, new Hold(node, generation));
  }

  /** Releases {@code holder}'s hold on {@code ifname}; returns whether there was one. */
  boolean put(String ifname, String holder) {
    Map<String, Hold> m = holds.get(ifname);
    if (m == null || m.remove(holder) == null) {
      return false;
    }
    if (m.isEmpty()) {
      holds.remove(ifname);
    }
    return true;
  }

  /** Records a node's status; returns whether it changed whether its holds count. */
  boolean nodeStatus(String node, boolean online) {
    return online ? offlineNodes.remove(node) : offlineNodes.add(node);
  }

  /** Forgets a node's status (its status topic was cleared): its holds count again. */
  boolean forgetNode(String node) {
    return offlineNodes.remove(node);
  }

  /** The holds on {@code ifname} that count: those whose node is not offline. */
  int count(String ifname) {
    Map<String, Hold> m = holds.get(ifname);
    if (m == null) {
      return 0;
    }
    int n = 0;
    for (Hold h : m.values()) {
      if (!offlineNodes.contains(h.node)) {
        n++;
      }
    }
    return n;
  }

  /** The counting holders of {@code ifname} as {@code holder@node}, sorted, for log lines. */
  String describe(String ifname) {
    Map<String, String> out = new TreeMap<>();
    holds.getOrDefault(ifname, Map.of()).forEach((holder, h) -> {
      if (!offlineNodes.contains(h.node)) {
        out.put(holder, h.node);
      }
    });
    StringBuilder b = new StringBuilder();
    out.forEach((holder, node) -> b.append(b.length() == 0 ? "" : ", ").append(holder).append('@').append(node));
    return b.toString();
  }

  /** Starts a resync; holds seen from now on belong to the returned generation. */
  long beginResync() {
    return ++generation;
  }

  /** Drops holds not seen again since {@link #beginResync()} returned {@code gen}. */
  void endResync(long gen) {
    holds.values().forEach(m -> m.values().removeIf(h -> h.generation < gen));
    holds.values().removeIf(Map::isEmpty);
  }
}
