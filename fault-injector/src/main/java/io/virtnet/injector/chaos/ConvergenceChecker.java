package io.virtnet.injector.chaos;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares the retained store with the truth (docs/contract.md §3): the PHY's retained {@code state}
 * (which must show the carrier the soak commanded) and the agent's and backend's status are the
 * truth; every instance's frontend view ({@code link}), config LINK_UP, device and hold ({@code ref})
 * must agree with it. Pure: it reads a snapshot, so it is unit-tested without a broker.
 *
 * <p>Expected link per instance, as the default stack's {@code onAgentLoss: down}: agent online ∧
 * the PHY's {@code linkUp()}. A hold is expected exactly when the PHY is registered.
 */
public final class ConvergenceChecker {
  private final StackModel stack;

  public ConvergenceChecker(StackModel stack) {
    this.stack = stack;
  }

  /**
   * What is wrong in {@code retained} (topic → payload; an empty payload is a cleared topic), or an
   * empty list when every view agrees with the truth. {@code commanded} (PHY → carrier) is what the
   * soak last commanded; a PHY missing from it is not checked against a command.
   */
  public List<String> divergences(Map<String, byte[]> retained, Map<String, Boolean> commanded) {
    return divergences(retained, commanded, Map.of());
  }

  /**
   * As {@link #divergences(Map, Map)}; a service in {@code restarted} must also have shown that its new
   * process is at work: the agent's or backend's status, or every frontend view, stamped at or after
   * the restart (otherwise the old process's retained topics could pass for a converged stack).
   */
  public List<String> divergences(Map<String, byte[]> retained, Map<String, Boolean> commanded, Map<Service, Instant> restarted) {
    List<String> wrong = new ArrayList<>();
    fresh(wrong, retained, restarted);
    Optional<Boolean> agentOnline = status(retained, stack.topics().phyStatus(stack.agent()));
    if (agentOnline.isEmpty() || !agentOnline.get()) {
      wrong.add("agent " + stack.agent() + " status " + agentOnline.map(o -> o ? "online" : "offline").orElse("missing"));
    }
    Optional<Boolean> backendOnline = status(retained, stack.topics().backendStatus(stack.node()));
    if (backendOnline.isEmpty() || !backendOnline.get()) {
      wrong.add("backend " + stack.node() + " status " + backendOnline.map(o -> o ? "online" : "offline").orElse("missing"));
    }
    for (String phy : stack.phys()) {
      Optional<NetdevState> s = decode(retained, stack.topics().phyState(stack.agent(), phy), Codecs.NETDEV_STATE::decode);
      Boolean want = commanded.get(phy);
      if (s.isEmpty()) {
        wrong.add(phy + " state missing");
      } else if (want != null && s.get().carrier() != want) {
        wrong.add(phy + " state carrier " + s.get().carrier() + ", commanded " + want);
      }
    }
    for (StackModel.Instance i : stack.instances()) {
      Optional<NetdevState> s = decode(retained, stack.topics().phyState(stack.agent(), i.phy()), Codecs.NETDEV_STATE::decode);
      if (s.isEmpty()) {
        continue; // already reported; nothing to compare with
      }
      boolean link = agentOnline.orElse(false) && s.get().linkUp();
      check(wrong, i, retained, link, s.get().reg() == RegState.REGISTERED);
    }
    return wrong;
  }

  private void fresh(List<String> wrong, Map<String, byte[]> retained, Map<Service, Instant> restarted) {
    restarted.forEach((service, at) -> {
      switch (service) {
        case AGENT -> stale(wrong, "agent status", decode(retained, stack.topics().phyStatus(stack.agent()),
            Codecs.SERVICE_STATUS::decode).map(ServiceStatus::ts), at);
        case BACKEND -> stale(wrong, "backend status", decode(retained, stack.topics().backendStatus(stack.node()),
            Codecs.SERVICE_STATUS::decode).map(ServiceStatus::ts), at);
        case FRONTEND -> stack.instances().forEach(i -> stale(wrong, i.name() + " view",
            decode(retained, stack.topics().rtosLink(i.cpu(), i.name()), Codecs.LINK_VIEW::decode).map(LinkView::ts), at));
      }
    });
  }

  private static void stale(List<String> wrong, String what, Optional<Instant> ts, Instant restart) {
    if (ts.isPresent() && ts.get().isBefore(restart)) {
      wrong.add(what + " of " + ts.get() + " predates the restart at " + restart);
    }
  }

  private void check(List<String> wrong, StackModel.Instance i, Map<String, byte[]> retained, boolean link, boolean registered) {
    String n = i.name();
    if (!present(retained, stack.topics().virtioDevice(n))) {
      wrong.add(n + " device missing");
    }
    Optional<LinkView> view = decode(retained, stack.topics().rtosLink(i.cpu(), n), Codecs.LINK_VIEW::decode);
    if (view.isEmpty()) {
      wrong.add(n + " view missing");
    } else if (view.get().carrier() != link) {
      wrong.add(n + " view carrier " + view.get().carrier() + ", truth " + link);
    }
    Optional<VirtioNetConfig.Generational> config = decode(retained, stack.topics().virtioConfig(n), Codecs.CONFIG::decode);
    if (config.isEmpty()) {
      wrong.add(n + " config missing");
    } else if (config.get().config().linkUp() != link) {
      wrong.add(n + " config LINK_UP " + config.get().config().linkUp() + ", truth " + link);
    }
    boolean held = present(retained, stack.topics().phyRef(stack.agent(), i.phy(), n));
    if (held != registered) {
      wrong.add(n + " hold " + (held ? "present" : "missing") + ", " + i.phy() + (registered ? " registered" : " not registered"));
    }
  }

  private static boolean present(Map<String, byte[]> retained, String topic) {
    byte[] p = retained.get(topic);
    return p != null && p.length > 0;
  }

  private static Optional<Boolean> status(Map<String, byte[]> retained, String topic) {
    return decode(retained, topic, Codecs.SERVICE_STATUS::decode).map(ServiceStatus::online);
  }

  /** The decoded retained payload; empty when absent, cleared or undecodable (a lie left standing is wrong too). */
  private static <T> Optional<T> decode(Map<String, byte[]> retained, String topic, java.util.function.Function<byte[], T> codec) {
    byte[] p = retained.get(topic);
    if (p == null || p.length == 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(codec.apply(p));
    } catch (InvalidMessageException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
