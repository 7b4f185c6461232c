package io.virtnet.agent;

import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import java.util.List;

/**
 * What one source change produced: the NETDEV events in kernel order, and states that changed without
 * an event (e.g. a carrier change on a device that is administratively down, which
 * {@code netdev_state_change} does not notify, but whose retained state must still follow).
 */
public record PhyChange(List<NetdevEvent> events, List<NetdevState> silentStates) {
  public static final PhyChange NONE = new PhyChange(List.of(), List.of());

  public PhyChange {
    events = List.copyOf(events);
    silentStates = List.copyOf(silentStates);
  }

  public static PhyChange of(List<NetdevEvent> events) {
    return new PhyChange(events, List.of());
  }

  public static PhyChange silent(NetdevState state) {
    return new PhyChange(List.of(), List.of(state));
  }

  /** True when nothing changed (a command that was a no-op). */
  public boolean isEmpty() {
    return events.isEmpty() && silentStates.isEmpty();
  }
}
