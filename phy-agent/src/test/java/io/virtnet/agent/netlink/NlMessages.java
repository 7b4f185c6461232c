package io.virtnet.agent.netlink;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds netlink datagrams byte by byte, the way rtnl_fill_ifinfo lays them out. */
final class NlMessages {
  static final int NLM_F_MULTI = 0x2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static NlMessages datagram() {
    return new NlMessages();
  }

  /** Appends one RTM_NEWLINK/RTM_DELLINK: ifinfomsg then the given (already encoded) attributes. */
  NlMessages link(int type, int nlFlags, int ifindex, int ifFlags, byte[]... attrs) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ByteBuffer ifi = le(16);
    ifi.put((byte) 0).put((byte) 0).putShort((short) 1).putInt(ifindex).putInt(ifFlags).putInt(0);
    body.writeBytes(ifi.array());
    for (byte[] a : attrs) {
      body.writeBytes(a);
    }
    return raw(type, nlFlags, body.toByteArray());
  }

  /** Appends a message with an arbitrary payload, padded to 4 bytes. */
  NlMessages raw(int type, int nlFlags, byte[] payload) {
    int len = 16 + payload.length;
    ByteBuffer h = le(16);
    h.putInt(len).putShort((short) type).putShort((short) nlFlags).putInt(1).putInt(0);
    out.writeBytes(h.array());
    out.writeBytes(payload);
    out.writeBytes(new byte[pad(len)]);
    return this;
  }

  NlMessages done() {
    return raw(3, NLM_F_MULTI, le(4).putInt(0).array());
  }

  NlMessages error(int negErrno) {
    return raw(2, 0, le(20).putInt(negErrno).array());
  }

  NlMessages bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  byte[] toBytes() {
    return out.toByteArray();
  }

  ByteBuffer buffer() {
    return ByteBuffer.wrap(toBytes());
  }

  static byte[] attr(int type, byte[] value) {
    int len = 4 + value.length;
    ByteBuffer b = le(len + pad(len));
    b.putShort((short) len).putShort((short) type).put(value);
    return b.array();
  }

  static byte[] u32(int type, int v) {
    return attr(type, le(4).putInt(v).array());
  }

  static byte[] u8(int type, int v) {
    return attr(type, new byte[] {(byte) v});
  }

  static byte[] str(int type, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[b.length + 1];
    System.arraycopy(b, 0, z, 0, b.length);
    return attr(type, z);
  }

  static byte[] mac(String hex) {
    String[] parts = hex.split(":");
    byte[] b = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      b[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return attr(1, b);
  }

  /** The attributes a veth reports: name, mtu, operstate, carrier, counters, address. */
  static byte[][] ethAttrs(String name, int mtu, String address, int operstate, boolean carrier,
      int up, int down) {
    return new byte[][] {
      mac(address), str(3, name), u32(4, mtu), u8(16, operstate), u8(33, carrier ? 1 : 0),
      u32(35, up + down), u32(47, up), u32(48, down)
    };
  }

  private static int pad(int len) {
    return ((len + 3) & ~3) - len;
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
