package io.virtnet.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The device's own MAC when none is configured (docs/contract.md §3): a stable, locally administered,
 * unicast address derived from the backend node and the instance name, never the PHY's, so two
 * instances on one PHY are two stations on one L2.
 */
public final class DeviceMac {
  /** The first octet: locally administered (0x02) and unicast (0x01 clear). */
  public static final int FIRST_OCTET = 0x02;

  private DeviceMac() {}

  /**
   * {@code 02:} followed by the first 40 bits of SHA-256({@code node} NUL {@code instance}); both names
   * must be valid instance names (which cannot hold a NUL, so the pair is unambiguous).
   */
  public static byte[] deriveBytes(String node, String instance) {
    Names.requireInstance(node);
    Names.requireInstance(instance);
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    sha256.update(node.getBytes(StandardCharsets.US_ASCII));
    sha256.update((byte) 0);
    byte[] hash = sha256.digest(instance.getBytes(StandardCharsets.US_ASCII));
    byte[] mac = new byte[6];
    mac[0] = (byte) FIRST_OCTET;
    System.arraycopy(hash, 0, mac, 1, 5);
    return mac;
  }

  /** {@link #deriveBytes} as {@code 02:xx:xx:xx:xx:xx}, the form {@link VirtioNetConfig#parseMac} reads. */
  public static String derive(String node, String instance) {
    return HexFormat.ofDelimiter(":").formatHex(deriveBytes(node, instance));
  }
}
