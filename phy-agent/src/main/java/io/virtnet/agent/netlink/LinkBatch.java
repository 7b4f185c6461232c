package io.virtnet.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The link messages of one netlink datagram, and whether it ended a dump (NLMSG_DONE) or carried an
 * error. Parsing never throws: a message with an impossible length is skipped and counted in
 * {@code malformed}.
 *
 * @param error the first non-zero NLMSG_ERROR errno (positive), 0 if none
 */
public record LinkBatch(List<LinkMessage> links, boolean done, int error, int malformed) {

  static final int NLMSG_HDRLEN = 16;
  static final int IFINFOMSG_LEN = 16;
  static final int RTA_HDRLEN = 4;
  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int NLM_F_MULTI = 0x2;
  static final int NLA_TYPE_MASK = 0x3FFF;

  static final int IFLA_ADDRESS = 1;
  static final int IFLA_IFNAME = 3;
  static final int IFLA_MTU = 4;
  static final int IFLA_OPERSTATE = 16;
  static final int IFLA_CARRIER = 33;
  static final int IFLA_CARRIER_CHANGES = 35;
  static final int IFLA_CARRIER_UP_COUNT = 47;
  static final int IFLA_CARRIER_DOWN_COUNT = 48;

  public static final LinkBatch EMPTY = new LinkBatch(List.of(), false, 0, 0);

  public LinkBatch {
    links = List.copyOf(links);
  }

  static int align(int len) {
    return (len + 3) & ~3;
  }

  /**
   * Parses the datagram between {@code buf}'s position and limit, in host (little-endian) order, the
   * way {@code nlmsg_next}/{@code nla_next} walk it: headers and payloads are 4-byte aligned.
   */
  public static LinkBatch parse(ByteBuffer buf) {
    ByteBuffer b = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    List<LinkMessage> links = new ArrayList<>();
    boolean done = false;
    int error = 0;
    int malformed = 0;
    int pos = 0;
    int end = b.limit();
    while (end - pos >= NLMSG_HDRLEN) {
      int len = b.getInt(pos);
      int type = Short.toUnsignedInt(b.getShort(pos + 4));
      int flags = Short.toUnsignedInt(b.getShort(pos + 6));
      if (len < NLMSG_HDRLEN || len > end - pos) {
        // Nothing after a bad nlmsg_len can be located again: drop the rest of the datagram.
        malformed++;
        pos = end;
        break;
      }
      if (type == NLMSG_DONE) {
        done = true;
      } else if (type == NLMSG_ERROR) {
        if (len >= NLMSG_HDRLEN + 4) {
          int err = b.getInt(pos + NLMSG_HDRLEN);
          if (err != 0 && error == 0) {
            error = -err;
          }
        } else {
          malformed++;
        }
      } else if (type == LinkMessage.RTM_NEWLINK || type == LinkMessage.RTM_DELLINK) {
        LinkMessage m = parseLink(b, pos, len, type, (flags & NLM_F_MULTI) != 0);
        if (m == null) {
          malformed++;
        } else {
          links.add(m);
        }
      }
      // Other types (NLMSG_NOOP, NLMSG_OVERRUN, other rtnetlink families) carry nothing for us.
      pos += align(len);
    }
    if (pos < end && end - pos < NLMSG_HDRLEN) {
      // A tail too short for a header: a truncated message.
      malformed++;
    }
    return new LinkBatch(links, done, error, malformed);
  }

  /** One ifinfomsg and its attributes, or null when any length in it is impossible. */
  private static LinkMessage parseLink(ByteBuffer b, int start, int len, int type, boolean dumpPart) {
    if (len < NLMSG_HDRLEN + IFINFOMSG_LEN) {
      return null;
    }
    int ifi = start + NLMSG_HDRLEN;
    int ifindex = b.getInt(ifi + 4);
    int ifflags = b.getInt(ifi + 8);
    String ifname = null;
    int mtu = 0;
    String address = "";
    int operstate = 0;
    Boolean carrier = null;
    long upCount = 0;
    long downCount = 0;
    int pos = ifi + IFINFOMSG_LEN;
    int end = start + len;
    while (end - pos >= RTA_HDRLEN) {
      int rtaLen = Short.toUnsignedInt(b.getShort(pos));
      int rtaType = Short.toUnsignedInt(b.getShort(pos + 2)) & NLA_TYPE_MASK;
      if (rtaLen < RTA_HDRLEN || rtaLen > end - pos) {
        return null;
      }
      int val = pos + RTA_HDRLEN;
      int valLen = rtaLen - RTA_HDRLEN;
      switch (rtaType) {
        case IFLA_IFNAME -> ifname = cString(b, val, valLen);
        case IFLA_ADDRESS -> address = hex(b, val, valLen);
        case IFLA_MTU -> {
          if (valLen < 4) {
            return null;
          }
          mtu = b.getInt(val);
        }
        case IFLA_OPERSTATE -> {
          if (valLen < 1) {
            return null;
          }
          operstate = Byte.toUnsignedInt(b.get(val));
        }
        case IFLA_CARRIER -> {
          if (valLen < 1) {
            return null;
          }
          carrier = b.get(val) != 0;
        }
        case IFLA_CARRIER_UP_COUNT -> {
          if (valLen < 4) {
            return null;
          }
          upCount = Integer.toUnsignedLong(b.getInt(val));
        }
        case IFLA_CARRIER_DOWN_COUNT -> {
          if (valLen < 4) {
            return null;
          }
          downCount = Integer.toUnsignedLong(b.getInt(val));
        }
        default -> {
          // IFLA_CARRIER_CHANGES (up + down) adds nothing once the two counts are known.
        }
      }
      pos += align(rtaLen);
    }
    if (ifname == null || ifname.isEmpty() || ifindex <= 0 || mtu < 0) {
      // rtnl_fill_ifinfo always puts IFLA_IFNAME; without it the message cannot be attributed.
      return null;
    }
    return new LinkMessage(type, ifindex, ifname, ifflags, mtu, address, operstate, carrier,
        upCount, downCount, dumpPart);
  }

  private static String cString(ByteBuffer b, int off, int len) {
    int n = 0;
    while (n < len && b.get(off + n) != 0) {
      n++;
    }
    byte[] bytes = new byte[n];
    b.get(off, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String hex(ByteBuffer b, int off, int len) {
    StringBuilder s = new StringBuilder(len * 3);
    for (int i = 0; i < len; i++) {
      if (i > 0) {
        s.append(':');
      }
      int v = Byte.toUnsignedInt(b.get(off + i));
      s.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xF, 16));
    }
    return s.toString();
  }
}
