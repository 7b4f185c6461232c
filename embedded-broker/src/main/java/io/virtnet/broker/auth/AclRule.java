package io.virtnet.broker.auth;

/**
 * One {@code topic} or {@code pattern} line of a Mosquitto ACL file: a filter and what it grants
 * (read, write, both) or {@code deny}. A pattern's {@code %u} and {@code %c} stand for the client's user
 * name and client id.
 */
public record AclRule(String filter, boolean read, boolean write, boolean pattern, int line) {

  /** A {@code deny} line: it grants nothing and stops the search where it matches. */
  public boolean deny() {
    return !read && !write;
  }

  boolean grants(Acl.Access access) {
    return access == Acl.Access.READ ? read : write;
  }

  boolean usesUserName() {
    return filter.contains("%u");
  }

  /** The filter with {@code %c} and {@code %u} replaced, scanning as Mosquitto does ({@code %u} kept without a user). */
  String expand(String user, String clientId) {
    StringBuilder out = new StringBuilder(filter.length() + 16);
    for (int i = 0; i < filter.length(); i++) {
      char c = filter.charAt(i);
      if (c == '%' && i + 1 < filter.length()) {
        char next = filter.charAt(i + 1);
        if (next == 'c') {
          out.append(clientId);
          i++;
          continue;
        }
        if (next == 'u' && user != null) {
          out.append(user);
          i++;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }
}
