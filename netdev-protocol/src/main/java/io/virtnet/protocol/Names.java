package io.virtnet.protocol;

import java.nio.charset.StandardCharsets;

/** Name rules: the kernel's {@code dev_valid_name} plus what MQTT topics forbid. */
public final class Names {
  /** IFNAMSIZ is 16 including the terminating NUL. */
  public static final int IFNAME_MAX_BYTES = 15;

  /** Instance, agent, node and holder names: {@code [a-z0-9][a-z0-9._-]{0,62}}. */
  public static final int INSTANCE_MAX_CHARS = 63;

  private Names() {}

  /** Why {@code name} is not a valid interface name, or null when it is. */
  public static String ifnameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "interface name is empty";
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > IFNAME_MAX_BYTES) {
      return "interface name '" + printable(name) + "' is " + bytes + " bytes, at most 15 allowed";
    }
    if (name.equals(".") || name.equals("..")) {
      return "interface name may not be '" + name + "'";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || c == '+' || c == '#' || c == 0 || Character.isWhitespace(c)
          || Character.isISOControl(c) || Character.isSurrogate(c) || c == '\uFFFD') {
        return "interface name '" + printable(name) + "' contains a forbidden character (/ : + # NUL or whitespace)";
      }
    }
    return null;
  }

  public static boolean isValidIfname(String name) {
    return ifnameProblem(name) == null;
  }

  /** Returns {@code name} or throws {@link InvalidMessageException} with reason {@code invalid-name}. */
  public static String requireIfname(String name) {
    String problem = ifnameProblem(name);
    if (problem != null) {
      throw InvalidMessageException.of("invalid-name", problem);
    }
    return name;
  }

  /** Why {@code name} is not a valid instance, agent, node or holder name, or null when it is. */
  public static String instanceProblem(String name) {
    if (name == null || !matchesInstance(name)) {
      return "name '" + printable(name) + "' must match [a-z0-9][a-z0-9._-]{0,62}";
    }
    return null;
  }

  // by hand, not a regex: every NETDEV state decoded and every topic built checks a name (a Matcher
  // per message was ~1 % of the event loop in scenario b)
  private static boolean matchesInstance(String name) {
    int n = name.length();
    if (n == 0 || n > INSTANCE_MAX_CHARS || !isLowerAlnum(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = name.charAt(i);
      if (!isLowerAlnum(c) && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  public static boolean isValidInstance(String name) {
    return instanceProblem(name) == null;
  }

  /** Returns {@code name} or throws {@link InvalidMessageException} with reason {@code invalid-name}. */
  public static String requireInstance(String name) {
    String problem = instanceProblem(name);
    if (problem != null) {
      throw InvalidMessageException.of("invalid-name", problem);
    }
    return name;
  }

  /** The name with control characters escaped and cut to 40 characters, fit for a log line. */
  public static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 40; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return s.length() > 40 ? b + "…" : b.toString();
  }
}
