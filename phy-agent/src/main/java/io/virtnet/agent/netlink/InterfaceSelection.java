package io.virtnet.agent.netlink;

import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;

/** Which interfaces the agent publishes: all but {@code lo}, or an explicit set of names. */
public final class InterfaceSelection implements Predicate<String> {
  private static final InterfaceSelection ALL = new InterfaceSelection(null);

  private final Set<String> names;

  private InterfaceSelection(Set<String> names) {
    this.names = names;
  }

  /** Every interface except the loopback {@code lo}. */
  public static InterfaceSelection all() {
    return ALL;
  }

  public static InterfaceSelection of(Collection<String> names) {
    return new InterfaceSelection(Set.copyOf(names));
  }

  /** The config spelling: {@code ["all"]} (or empty) means {@link #all()}, else the names given. */
  public static InterfaceSelection parse(Collection<String> spec) {
    if (spec.isEmpty() || (spec.size() == 1 && spec.contains("all"))) {
      return all();
    }
    return of(spec);
  }

  @Override
  public boolean test(String ifname) {
    return names == null ? !"lo".equals(ifname) : names.contains(ifname);
  }

  @Override
  public String toString() {
    return names == null ? "all" : names.toString();
  }
}
