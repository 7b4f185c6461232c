package io.virtnet.broker.auth;

import java.nio.file.Path;

/**
 * Logins and topic rules for the embedded broker, from the same files the compose stack's Mosquitto
 * reads: a {@code mosquitto_passwd} file and, optionally, a Mosquitto ACL file ({@code acl} null: every
 * logged-in client may do anything, as Mosquitto without {@code acl_file}). Anonymous clients are refused.
 */
public record BrokerSecurity(PasswordFile passwords, Acl acl) {

  public BrokerSecurity {
    if (passwords == null) {
      throw new IllegalArgumentException("a password file is required: without logins an ACL would trust any claimed user name");
    }
  }

  /** Reads both files (acl may be null); throws {@link AuthFileException} naming the file and line at fault. */
  public static BrokerSecurity load(Path passwordFile, Path aclFile) {
    return new BrokerSecurity(PasswordFile.read(passwordFile), aclFile == null ? null : Acl.read(aclFile));
  }
}
