package io.virtnet.agent.config;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One simulated PHY of the {@code agent.phys} list: what the sim "driver" registers at start (or on a
 * later {@code register} command). {@code address} is null when the agent should generate a
 * locally administered MAC; otherwise it is normalised to lower-case colon form.
 */
public record SimPhyConfig(
    String name,
    String address,
    int mtu,
    int speed,
    Duplex duplex,
    boolean admin,
    boolean carrier,
    boolean registered) {

  public static final int MIN_MTU = 68;
  public static final int MAX_MTU = 65535;
  public static final int DEFAULT_MTU = 1500;
  public static final int DEFAULT_SPEED = 1000;
  public static final Duplex DEFAULT_DUPLEX = Duplex.FULL;

  public SimPhyConfig {
    String problem = Names.ifnameProblem(name);
    if (problem != null) {
      throw new ConfigException("name: " + problem);
    }
    if (address != null) {
      address = normalizeMac(address, "address");
    }
    if (mtu < MIN_MTU || mtu > MAX_MTU) {
      throw new ConfigException("mtu: must be " + MIN_MTU + ".." + MAX_MTU + ", got " + mtu);
    }
    if (speed < -1) {
      throw new ConfigException("speed: must be -1 (unknown) or >= 0 Mbit/s, got " + speed);
    }
    if (duplex == null) {
      throw new ConfigException("duplex: is required");
    }
  }

  /** A PHY with the defaults a {@code register} of an unknown name gets: 1500, 1000/full, up, carrier. */
  public static SimPhyConfig defaults(String name) {
    return new SimPhyConfig(name, null, DEFAULT_MTU, DEFAULT_SPEED, DEFAULT_DUPLEX, true, true, true);
  }

  public SimPhyConfig withAdmin(boolean up) {
    return new SimPhyConfig(name, address, mtu, speed, duplex, up, carrier, registered);
  }

  public SimPhyConfig withCarrier(boolean on) {
    return new SimPhyConfig(name, address, mtu, speed, duplex, admin, on, registered);
  }

  public SimPhyConfig withRegistered(boolean reg) {
    return new SimPhyConfig(name, address, mtu, speed, duplex, admin, carrier, reg);
  }

  /** Parses one entry of {@code agent.phys}; errors name the entry's path. */
  public static SimPhyConfig from(ConfigNode n) {
    n.allowOnly("name", "address", "mtu", "speed", "duplex", "admin", "carrier", "registered");
    String name = n.requiredString("name");
    String problem = Names.ifnameProblem(name);
    if (problem != null) {
      throw n.error("name", problem);
    }
    String address = n.string("address", null);
    if (address != null) {
      try {
        VirtioNetConfig.parseMac(address);
      } catch (IllegalArgumentException e) {
        throw n.error("address", e.getMessage());
      }
    }
    int mtu = (int) n.integer("mtu", MIN_MTU, MAX_MTU, DEFAULT_MTU);
    int speed = (int) n.integer("speed", -1, Integer.MAX_VALUE, DEFAULT_SPEED);
    Duplex duplex;
    try {
      duplex = Duplex.ofWireName(n.string("duplex", DEFAULT_DUPLEX.wireName()));
    } catch (IllegalArgumentException e) {
      throw n.error("duplex", e.getMessage());
    }
    return new SimPhyConfig(name, address, mtu, speed, duplex, n.bool("admin", true),
        n.bool("carrier", true), n.bool("registered", true));
  }

  /** {@code s} as lower-case {@code aa:bb:cc:dd:ee:ff}; throws ConfigException naming {@code field}. */
  static String normalizeMac(String s, String field) {
    try {
      return HexFormat.ofDelimiter(":").formatHex(VirtioNetConfig.parseMac(s)).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field + ": " + e.getMessage());
    }
  }
}
