package io.virtnet.broker.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Mosquitto ACL file the way Mosquitto 2 does ({@code aclfile__parse}): {@code user NAME},
 * {@code topic [read|write|readwrite|deny] FILTER}, {@code pattern [...] FILTER}, a {@code #} in the
 * first column starts a comment, words are separated by spaces, the filter is the rest of the line.
 * Lines Mosquitto refuses are refused here with the file and line; lines Mosquitto would read in a way
 * nobody means (a tab taken as part of a word) are refused too, so the file never means two things.
 */
final class AclParser {
  private AclParser() {}

  static Acl read(Path file) {
    try {
      return parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AuthFileException(file, "cannot read the ACL file: " + e);
    }
  }

  static Acl parse(Path file, List<String> lines) {
    List<AclRule> anonymous = new ArrayList<>();
    Map<String, List<AclRule>> users = new LinkedHashMap<>();
    List<AclRule> patterns = new ArrayList<>();
    String user = null;
    for (int i = 0; i < lines.size(); i++) {
      int lineNo = i + 1;
      String line = lines.get(i).stripTrailing();
      if (line.startsWith("#")) {
        continue;
      }
      if (line.indexOf('\t') >= 0) {
        throw new AuthFileException(file, lineNo, "a tab: Mosquitto separates words with spaces only");
      }
      String rest = line.stripLeading();
      if (rest.isEmpty()) {
        continue;
      }
      String keyword = word(rest);
      rest = rest.substring(keyword.length()).stripLeading();
      switch (keyword) {
        case "user" -> {
          if (rest.isEmpty()) {
            throw new AuthFileException(file, lineNo, "missing user name after 'user'");
          }
          user = rest;
          users.computeIfAbsent(user, u -> new ArrayList<>());
        }
        case "topic", "pattern" -> {
          AclRule rule = rule(file, lineNo, keyword, rest);
          if (rule.pattern()) {
            patterns.add(rule);
          } else if (user == null) {
            anonymous.add(rule);
          } else {
            users.get(user).add(rule);
          }
        }
        case "#" -> throw new AuthFileException(file, lineNo, "a comment must start in the first column (Mosquitto refuses this line)");
        default -> throw new AuthFileException(file, lineNo,
            "unknown keyword '" + keyword + "' (expected user, topic or pattern)");
      }
    }
    return new Acl(file, anonymous, users, patterns);
  }

  private static String word(String s) {
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }

  private static AclRule rule(Path file, int lineNo, String keyword, String rest) {
    if (rest.isEmpty()) {
      throw new AuthFileException(file, lineNo, "missing topic filter after '" + keyword + "'");
    }
    String access = word(rest);
    String filter = rest.substring(access.length()).strip();
    boolean read = true;
    boolean write = true;
    if (filter.isEmpty()) {
      // "topic FILTER" grants read and write; "topic read" would grant both on a topic named "read"
      if (List.of("read", "write", "readwrite", "deny").contains(access)) {
        throw new AuthFileException(file, lineNo, "missing topic filter after '" + keyword + " " + access + "'");
      }
      filter = access;
    } else {
      read = access.equals("read") || access.equals("readwrite");
      write = access.equals("write") || access.equals("readwrite");
      if (!read && !write && !access.equals("deny")) {
        throw new AuthFileException(file, lineNo,
            "unknown access '" + access + "' (expected read, write, readwrite or deny)");
      }
    }
    if (!TopicMatch.validFilter(filter)) {
      throw new AuthFileException(file, lineNo, "invalid topic filter '" + filter + "' (+ and # must fill a level, # last)");
    }
    return new AclRule(filter, read, write, keyword.equals("pattern"), lineNo);
  }
}
