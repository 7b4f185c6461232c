package io.virtnet.runtime.mqtt;

/** MQTT topic filter matching ({@code +} one level, {@code #} the rest). */
public final class TopicFilter {
  private TopicFilter() {}

  public static boolean isWildcard(String filter) {
    return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
  }

  public static boolean matches(String filter, String topic) {
    int f = 0;
    int t = 0;
    int fl = filter.length();
    int tl = topic.length();
    while (f < fl) {
      char c = filter.charAt(f);
      if (c == '#') {
        return true;
      }
      if (c == '+') {
        int slash = topic.indexOf('/', t);
        t = slash < 0 ? tl : slash;
        f++;
      } else {
        if (t >= tl || topic.charAt(t) != c) {
          return false;
        }
        f++;
        t++;
        continue;
      }
      // after '+': both must be at a level end
      if (f == fl) {
        return t == tl;
      }
      if (t == tl) {
        // "a/+/#" matches "a/b"
        return filter.startsWith("/#", f);
      }
    }
    return t == tl;
  }
}
