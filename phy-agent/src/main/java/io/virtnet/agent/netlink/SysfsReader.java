package io.virtnet.agent.netlink;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.NetdevState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads link speed and duplex, which rtnetlink does not carry. Blocking file I/O: call it from the
 * netlink reader thread, never from an event loop.
 */
public interface SysfsReader {

  /** Speed in Mbit/s, or {@link NetdevState#SPEED_UNKNOWN}. */
  int speed(String ifname, int ifindex);

  Duplex duplex(String ifname, int ifindex);

  /** Reads {@code /sys/class/net/<ifname>/speed} and {@code duplex}. */
  static SysfsReader sysfs() {
    return sysfs(Path.of("/sys/class/net"));
  }

  /**
   * Reads {@code <root>/<ifname>/speed} and {@code duplex}. Files of another device with the same
   * name (sysfs shows the namespace it was mounted in) are recognised by their {@code ifindex} and
   * ignored.
   */
  static SysfsReader sysfs(Path root) {
    return new SysfsReader() {
      @Override
      public int speed(String ifname, int ifindex) {
        String s = read(ifname, ifindex, "speed");
        if (s == null) {
          return NetdevState.SPEED_UNKNOWN;
        }
        try {
          int v = Integer.parseInt(s);
          // ethtool's SPEED_UNKNOWN is -1, shown as is; anything else negative is nonsense.
          return v >= 0 ? v : NetdevState.SPEED_UNKNOWN;
        } catch (NumberFormatException e) {
          return NetdevState.SPEED_UNKNOWN;
        }
      }

      @Override
      public Duplex duplex(String ifname, int ifindex) {
        String s = read(ifname, ifindex, "duplex");
        if ("full".equals(s)) {
          return Duplex.FULL;
        }
        return "half".equals(s) ? Duplex.HALF : Duplex.UNKNOWN;
      }

      private String read(String ifname, int ifindex, String attr) {
        Path dir = root.resolve(ifname);
        try {
          if (ifindex > 0 && !Integer.toString(ifindex).equals(slurp(dir.resolve("ifindex")))) {
            return null;
          }
          // speed_show returns -EINVAL while the device is down: that is "unknown", not an error.
          return slurp(dir.resolve(attr));
        } catch (IOException | RuntimeException e) {
          return null;
        }
      }

      private String slurp(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).trim();
      }
    };
  }

  /** Always unknown: for a namespace whose sysfs is not mounted here, and for tests. */
  static SysfsReader unknown() {
    return new SysfsReader() {
      @Override
      public int speed(String ifname, int ifindex) {
        return NetdevState.SPEED_UNKNOWN;
      }

      @Override
      public Duplex duplex(String ifname, int ifindex) {
        return Duplex.UNKNOWN;
      }
    };
  }
}
