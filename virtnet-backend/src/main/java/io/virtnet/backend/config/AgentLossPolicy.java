package io.virtnet.backend.config;

import java.util.Locale;

/** What an instance reports while its PHY's agent is offline (its will fired). */
public enum AgentLossPolicy {
  /** Report link down: nothing vouches for the PHY any more. */
  DOWN,
  /** Keep the last known state until the agent comes back. */
  HOLD;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses "down" or "hold"; returns null for anything else. */
  public static AgentLossPolicy ofWireName(String s) {
    for (AgentLossPolicy p : values()) {
      if (p.wireName().equals(s)) {
        return p;
      }
    }
    return null;
  }
}
