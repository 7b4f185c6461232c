package io.virtnet.broker.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A Mosquitto ACL file's meaning, decided as Mosquitto 2's default ACL check does: the client's own
 * {@code topic} lines (the user's section, or the lines before the first {@code user} for anonymous
 * clients) first, then the {@code pattern} lines; in each, a matching {@code deny} refuses, else any
 * matching grant allows; nothing matching refuses. Writing {@code $SYS/...} is always refused.
 * Read governs delivery (a subscription is granted; each message is checked against its topic), as
 * in Mosquitto, whose default ACL does not check SUBSCRIBE itself.
 */
public final class Acl {
  /** What a client wants to do with a topic: receive it (read) or publish it (write). */
  public enum Access { READ, WRITE }

  private final Path file;
  private final List<AclRule> anonymous;
  private final Map<String, List<AclRule>> users;
  private final List<AclRule> patterns;

  Acl(Path file, List<AclRule> anonymous, Map<String, List<AclRule>> users, List<AclRule> patterns) {
    this.file = file;
    this.anonymous = denyFirst(anonymous);
    this.users = Map.copyOf(users.entrySet().stream()
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> denyFirst(e.getValue()))));
    this.patterns = denyFirst(patterns);
  }

  private static List<AclRule> denyFirst(List<AclRule> rules) {
    List<AclRule> sorted = new ArrayList<>(rules);
    sorted.sort(Comparator.comparing(r -> !r.deny()));
    return List.copyOf(sorted);
  }

  /** Reads and checks a Mosquitto ACL file; throws {@link AuthFileException} naming the line at fault. */
  public static Acl read(Path file) {
    return AclParser.read(file);
  }

  /** Whether {@code user} (null: anonymous) connected as {@code clientId} may read or write {@code topic}. */
  public boolean allows(String user, String clientId, String topic, Access access) {
    return grants(user, clientId).allows(topic, access);
  }

  /** The rules that apply to one connection, with the patterns expanded once for it. */
  public Grants grants(String user, String clientId) {
    List<AclRule> own = user == null ? anonymous : users.getOrDefault(user, List.of());
    // a user name or client id with a wildcard could widen a pattern: Mosquitto refuses such clients
    boolean dangerous = !patterns.isEmpty() && (hasWildcard(user) || hasWildcard(clientId));
    List<Expanded> expanded = new ArrayList<>();
    for (AclRule p : patterns) {
      if (p.usesUserName() && user == null) {
        continue;
      }
      expanded.add(new Expanded(p.expand(user, clientId), p));
    }
    return new Grants(own, dangerous, List.copyOf(expanded));
  }

  private static boolean hasWildcard(String name) {
    return name != null && (name.indexOf('+') >= 0 || name.indexOf('#') >= 0);
  }

  public Path file() {
    return file;
  }

  private record Expanded(String filter, AclRule rule) {}

  /** One connection's view of the ACL; immutable and cheap to query on every message. */
  public static final class Grants {
    private final List<AclRule> own;
    private final boolean dangerous;
    private final List<Expanded> patterns;

    private Grants(List<AclRule> own, boolean dangerous, List<Expanded> patterns) {
      this.own = own;
      this.dangerous = dangerous;
      this.patterns = patterns;
    }

    /** Whether this connection may read (receive) or write (publish) {@code topic}. */
    public boolean allows(String topic, Access access) {
      // Mosquitto's own rules before any ACL: nobody writes $SYS (but a bridge's state), nor $share
      if (access == Access.WRITE && topic.startsWith("$SYS")
          && !TopicMatch.matches("$SYS/broker/connection/+/state", topic) || topic.startsWith("$share")) {
        return false;
      }
      for (AclRule r : own) {
        if (TopicMatch.matches(r.filter(), topic)) {
          if (r.deny()) {
            return false;
          }
          if (r.grants(access)) {
            return true;
          }
        }
      }
      if (dangerous) {
        return false;
      }
      for (Expanded p : patterns) {
        if (TopicMatch.matches(p.filter(), topic)) {
          if (p.rule().deny()) {
            return false;
          }
          if (p.rule().grants(access)) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
