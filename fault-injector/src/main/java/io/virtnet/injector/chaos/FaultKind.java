package io.virtnet.injector.chaos;

import java.util.Arrays;
import java.util.Locale;

/**
 * What the chaos soak does to the stack. Lies are contract-valid messages from an outside client
 * (docs/contract.md §3 says every view must converge back after any one of them); process and broker
 * faults need the soak to run the processes itself.
 */
public enum FaultKind {
  /** Carrier commands flipping one PHY tens of times as fast as the broker takes them. */
  FLAP_STORM(Needs.MQTT),
  /** SIGKILL of the phy-agent process, restarted at once. */
  KILL_AGENT(Needs.SERVICES),
  /** SIGKILL of the virtnet-backend process, restarted at once. */
  KILL_BACKEND(Needs.SERVICES),
  /** SIGKILL of the rtos-frontend process, restarted at once. */
  KILL_FRONTEND(Needs.SERVICES),
  /** SIGKILL of the broker, restarted with whatever store it persisted (none on the embedded HiveMQ). */
  KILL_BROKER(Needs.BROKER),
  /** SIGKILL of the broker, restarted with its store deleted: every retained topic is gone. */
  BROKER_EMPTY_STORE(Needs.BROKER),
  /** An empty payload on an instance's {@code device}, live and then retained. */
  EMPTY_DEVICE(Needs.MQTT),
  /** An empty payload on a PHY's {@code state}, live and then retained. */
  EMPTY_STATE(Needs.MQTT),
  /** A forged {@code {"driverFeatures":["STATUS"]}} on an instance's {@code ctrl}. */
  FORGED_DRIVER_FEATURES(Needs.MQTT),
  /** NETDEV events with a stale, a duplicated and reordered {@code seq}, each claiming the opposite carrier. */
  STALE_EVENTS(Needs.MQTT),
  /** An instance's retained {@code ref} hold cleared by another client. */
  CLEARED_REF(Needs.MQTT),
  /** A frontend's retained {@code link} view cleared by another client. */
  CLEARED_LINK(Needs.MQTT);

  /** What the soak must control to inject the fault. */
  public enum Needs { MQTT, SERVICES, BROKER }

  private final Needs needs;

  FaultKind(Needs needs) {
    this.needs = needs;
  }

  public Needs needs() {
    return needs;
  }

  /** Process and broker faults: at most one per round, since a restart dominates the time to converge. */
  public boolean disruptive() {
    return needs != Needs.MQTT;
  }

  /** The label on the command line and in the report, e.g. {@code kill-backend}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a label; throws IllegalArgumentException listing the labels. */
  public static FaultKind ofLabel(String s) {
    for (FaultKind k : values()) {
      if (k.label().equals(s.trim())) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown fault kind '" + s + "'; kinds: "
        + String.join(",", Arrays.stream(values()).map(FaultKind::label).toList()));
  }
}
