package io.virtnet.broker.auth;

import java.nio.charset.StandardCharsets;

/** MQTT topic filters as Mosquitto matches them ({@code mosquitto_topic_matches_sub}). */
final class TopicMatch {
  private TopicMatch() {}

  /**
   * Whether {@code topic} matches {@code filter}: {@code +} one level, {@code #} this level and all
   * below (so {@code a/#} matches {@code a}); a topic starting with {@code $} only matches a filter
   * starting with {@code $} and the other way round.
   */
  static boolean matches(String filter, String topic) {
    if (filter.isEmpty() || topic.isEmpty() || (filter.charAt(0) == '$') != (topic.charAt(0) == '$')) {
      return false;
    }
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;
      }
      if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
        return false;
      }
    }
    return f.length == t.length;
  }

  /** Whether {@code filter} is a valid subscription filter ({@code mosquitto_sub_topic_check}). */
  static boolean validFilter(String filter) {
    if (filter.isEmpty() || filter.getBytes(StandardCharsets.UTF_8).length > 65535 || filter.indexOf('\0') >= 0) {
      return false;
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      boolean wild = level.indexOf('+') >= 0 || level.indexOf('#') >= 0;
      if (wild && !level.equals("+") && !level.equals("#") || level.equals("#") && i != levels.length - 1) {
        return false;
      }
    }
    return true;
  }
}
