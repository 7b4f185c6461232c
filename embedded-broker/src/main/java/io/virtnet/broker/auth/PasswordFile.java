package io.virtnet.broker.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Mosquitto password file ({@code mosquitto_passwd}'s {@code user:hash} lines; {@code #} comments and
 * blank lines skipped). Where Mosquitto only warns and drops a bad entry, this refuses the file with
 * its name and line, so a typo cannot silently lock a service out.
 */
public final class PasswordFile {
  private final Path file;
  private final Map<String, PasswordHash> users;

  private PasswordFile(Path file, Map<String, PasswordHash> users) {
    this.file = file;
    this.users = Map.copyOf(users);
  }

  /** Reads and checks {@code file}; throws {@link AuthFileException} naming the line at fault. */
  public static PasswordFile read(Path file) {
    try {
      return parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AuthFileException(file, "cannot read the password file: " + e);
    }
  }

  static PasswordFile parse(Path file, List<String> lines) {
    Map<String, PasswordHash> users = new HashMap<>();
    Map<String, Integer> seenAt = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int lineNo = i + 1;
      String line = lines.get(i).stripTrailing();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new AuthFileException(file, lineNo, "expected user:hash (as mosquitto_passwd writes it)");
      }
      String user = line.substring(0, colon).strip();
      if (user.isEmpty()) {
        throw new AuthFileException(file, lineNo, "empty user name");
      }
      Integer earlier = seenAt.putIfAbsent(user, lineNo);
      if (earlier != null) {
        throw new AuthFileException(file, lineNo, "user '" + user + "' is already defined on line " + earlier);
      }
      try {
        users.put(user, PasswordHash.parse(line.substring(colon + 1).strip()));
      } catch (IllegalArgumentException e) {
        throw new AuthFileException(file, lineNo, "user '" + user + "': " + e.getMessage());
      }
    }
    if (users.isEmpty()) {
      throw new AuthFileException(file, "no user in the password file (nobody could log in)");
    }
    return new PasswordFile(file, users);
  }

  /** Whether {@code user} is in the file and {@code password} is its password. */
  public boolean authenticate(String user, byte[] password) {
    PasswordHash hash = users.get(user);
    return hash != null && password != null && hash.matches(password);
  }

  public boolean hasUser(String user) {
    return users.containsKey(user);
  }

  public Set<String> users() {
    return users.keySet();
  }

  public Path file() {
    return file;
  }

  @Override
  public String toString() {
    return "PasswordFile[" + file + ", users=" + users.keySet() + "]";
  }
}
