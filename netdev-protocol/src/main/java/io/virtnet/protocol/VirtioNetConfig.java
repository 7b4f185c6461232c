package io.virtnet.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code struct virtio_net_config} (VIRTIO 1.2 section 5.1.4), little-endian, {@value #SIZE} bytes.
 * On the wire ({@code vnet/virtio/{instance}/config}) it follows a {@code u32le generation} word.
 */
public record VirtioNetConfig(
    byte[] mac,
    int status,
    int maxVirtqueuePairs,
    int mtu,
    long speed,
    int duplex,
    int rssMaxKeySize,
    int rssMaxIndirectionTableLength,
    long supportedHashTypes) {

  public static final int SIZE = 24;
  public static final int WIRE_SIZE = 4 + SIZE;

  public static final int OFFSET_MAC = 0;
  public static final int OFFSET_STATUS = 6;
  public static final int OFFSET_MAX_VIRTQUEUE_PAIRS = 8;
  public static final int OFFSET_MTU = 10;
  public static final int OFFSET_SPEED = 12;
  public static final int OFFSET_DUPLEX = 16;
  public static final int OFFSET_RSS_MAX_KEY_SIZE = 17;
  public static final int OFFSET_RSS_MAX_INDIRECTION_TABLE_LENGTH = 18;
  public static final int OFFSET_SUPPORTED_HASH_TYPES = 20;

  /** {@code VIRTIO_NET_S_LINK_UP}. */
  public static final int S_LINK_UP = 1;
  /** {@code VIRTIO_NET_S_ANNOUNCE}. */
  public static final int S_ANNOUNCE = 2;
  /** {@code SPEED_UNKNOWN} as the spec writes it into {@code speed}. */
  public static final long SPEED_UNKNOWN = 0xFFFF_FFFFL;
  /** ISR bit for a configuration change. */
  public static final int ISR_CONFIG = 0x2;
  /** {@code VIRTIO_NET_CTRL_ANNOUNCE} class and its {@code _ACK} command. */
  public static final int CTRL_ANNOUNCE = 3;
  public static final int CTRL_ANNOUNCE_ACK = 0;

  public VirtioNetConfig {
    if (mac == null || mac.length != 6) {
      throw new IllegalArgumentException("mac must be 6 bytes");
    }
    mac = mac.clone();
    checkU16("status", status);
    checkU16("maxVirtqueuePairs", maxVirtqueuePairs);
    checkU16("mtu", mtu);
    checkU16("rssMaxIndirectionTableLength", rssMaxIndirectionTableLength);
    if (speed < 0 || speed > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("speed must be a u32, got " + speed);
    }
    if (duplex < 0 || duplex > 0xFF || rssMaxKeySize < 0 || rssMaxKeySize > 0xFF) {
      throw new IllegalArgumentException("duplex and rssMaxKeySize must be u8");
    }
    if (supportedHashTypes < 0 || supportedHashTypes > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("supportedHashTypes must be a u32");
    }
  }

  private static void checkU16(String field, int v) {
    if (v < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException(field + " must be a u16, got " + v);
    }
  }

  @Override
  public byte[] mac() {
    return mac.clone();
  }

  public boolean linkUp() {
    return (status & S_LINK_UP) != 0;
  }

  public boolean announce() {
    return (status & S_ANNOUNCE) != 0;
  }

  public String macString() {
    return HexFormat.ofDelimiter(":").formatHex(mac);
  }

  public VirtioNetConfig withStatus(int newStatus) {
    return new VirtioNetConfig(mac, newStatus, maxVirtqueuePairs, mtu, speed, duplex, rssMaxKeySize,
        rssMaxIndirectionTableLength, supportedHashTypes);
  }

  /** The 24 bytes of the structure alone. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    writeTo(b);
    return b.array();
  }

  /** The wire form: {@code u32le generation} followed by the structure. */
  public byte[] encodeWire(long generation) {
    ByteBuffer b = ByteBuffer.allocate(WIRE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt((int) generation);
    writeTo(b);
    return b.array();
  }

  private void writeTo(ByteBuffer b) {
    b.put(mac);
    b.putShort((short) status);
    b.putShort((short) maxVirtqueuePairs);
    b.putShort((short) mtu);
    b.putInt((int) speed);
    b.put((byte) duplex);
    b.put((byte) rssMaxKeySize);
    b.putShort((short) rssMaxIndirectionTableLength);
    b.putInt((int) supportedHashTypes);
  }

  public static VirtioNetConfig decode(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw InvalidMessageException.of("wrong-size", "virtio_net_config must be " + SIZE + " bytes, got " + bytes.length);
    }
    return readFrom(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Decodes the wire form; throws {@link InvalidMessageException} unless it is exactly 28 bytes. */
  public static Generational decodeWire(byte[] bytes) {
    if (bytes.length != WIRE_SIZE) {
      throw InvalidMessageException.of("wrong-size", "config message must be " + WIRE_SIZE + " bytes, got " + bytes.length);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long generation = Integer.toUnsignedLong(b.getInt());
    return new Generational(generation, readFrom(b));
  }

  private static VirtioNetConfig readFrom(ByteBuffer b) {
    byte[] mac = new byte[6];
    b.get(mac);
    int status = Short.toUnsignedInt(b.getShort());
    int pairs = Short.toUnsignedInt(b.getShort());
    int mtu = Short.toUnsignedInt(b.getShort());
    long speed = Integer.toUnsignedLong(b.getInt());
    int duplex = Byte.toUnsignedInt(b.get());
    int keySize = Byte.toUnsignedInt(b.get());
    int indir = Short.toUnsignedInt(b.getShort());
    long hashTypes = Integer.toUnsignedLong(b.getInt());
    return new VirtioNetConfig(mac, status, pairs, mtu, speed, duplex, keySize, indir, hashTypes);
  }

  /** Parses "52:54:00:12:34:56" (or "-" separated); throws IllegalArgumentException otherwise. */
  public static byte[] parseMac(String s) {
    // by hand: called for every config candidate, where a regex per call was a visible cost
    byte[] mac = s == null || s.length() != 17 ? null : new byte[6];
    for (int i = 0; mac != null && i < 6; i++) {
      int hi = hexDigit(s.charAt(3 * i));
      int lo = hexDigit(s.charAt(3 * i + 1));
      char sep = i < 5 ? s.charAt(3 * i + 2) : ':';
      if (hi < 0 || lo < 0 || sep != ':' && sep != '-') {
        mac = null;
      } else {
        mac[i] = (byte) (hi << 4 | lo);
      }
    }
    if (mac == null) {
      throw new IllegalArgumentException("MAC address '" + Names.printable(s) + "' must look like 52:54:00:12:34:56");
    }
    return mac;
  }

  private static int hexDigit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VirtioNetConfig c && Arrays.equals(mac, c.mac) && status == c.status
        && maxVirtqueuePairs == c.maxVirtqueuePairs && mtu == c.mtu && speed == c.speed && duplex == c.duplex
        && rssMaxKeySize == c.rssMaxKeySize && rssMaxIndirectionTableLength == c.rssMaxIndirectionTableLength
        && supportedHashTypes == c.supportedHashTypes;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encode());
  }

  @Override
  public String toString() {
    return "VirtioNetConfig[mac=" + macString() + ", status=" + status + ", mtu=" + mtu + ", speed="
        + speed + ", duplex=" + duplex + "]";
  }

  /** A config as carried on the wire, with the generation it was written under. */
  public record Generational(long generation, VirtioNetConfig config) {}

  /**
   * Serial-number comparison of u32 generations (RFC 1982): true when {@code a} is at or after
   * {@code b}, so the counter may wrap.
   */
  public static boolean generationAtOrAfter(long a, long b) {
    return (int) (a - b) >= 0;
  }
}
