package io.virtnet.broker.auth;

import java.nio.file.Path;

/** A password or ACL file that cannot be used, with the file and line that say why. */
public final class AuthFileException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  AuthFileException(Path file, int line, String problem) {
    super(file + ":" + line + ": " + problem);
  }

  AuthFileException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
