package io.virtnet.broker.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One hash of a Mosquitto password file, in either format {@code mosquitto_passwd} writes:
 * {@code $7$iterations$salt$hash} (PBKDF2-HMAC-SHA512, Mosquitto 2's default) or {@code $6$salt$hash}
 * (SHA-512 of password then salt). Salt 12 bytes and hash 64 bytes, both base64, as Mosquitto requires.
 */
public record PasswordHash(boolean pbkdf2, int iterations, byte[] salt, byte[] hash) {
  private static final int SALT_BYTES = 12;
  private static final int HASH_BYTES = 64;

  public PasswordHash {
    salt = salt.clone();
    hash = hash.clone();
  }

  /** Parses the part after {@code user:}; throws IllegalArgumentException saying what is wrong (never the hash). */
  public static PasswordHash parse(String text) {
    String[] parts = text.split("\\$", -1);
    boolean pbkdf2 = parts.length == 5 && parts[0].isEmpty() && parts[1].equals("7");
    boolean sha512 = parts.length == 4 && parts[0].isEmpty() && parts[1].equals("6");
    if (!pbkdf2 && !sha512) {
      throw new IllegalArgumentException("not a mosquitto_passwd hash ($7$iterations$salt$hash or $6$salt$hash)");
    }
    int iterations = 1;
    if (pbkdf2) {
      try {
        iterations = Integer.parseInt(parts[2]);
      } catch (NumberFormatException e) {
        iterations = 0;
      }
      if (iterations < 1) {
        throw new IllegalArgumentException("hash iterations must be a positive number");
      }
    }
    byte[] salt = decode(parts[parts.length - 2], SALT_BYTES, "salt");
    byte[] hash = decode(parts[parts.length - 1], HASH_BYTES, "hash");
    return new PasswordHash(pbkdf2, iterations, salt, hash);
  }

  private static byte[] decode(String b64, int bytes, String what) {
    byte[] out;
    try {
      out = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the " + what + " is not base64");
    }
    if (out.length != bytes) {
      throw new IllegalArgumentException("the " + what + " must be " + bytes + " bytes, got " + out.length);
    }
    return out;
  }

  /**
   * Whether {@code password} (the CONNECT packet's bytes) has this hash. Mosquitto reads the password
   * as a C string, so it ends at the first NUL byte here too. Compared in constant time.
   */
  public boolean matches(byte[] password) {
    byte[] pw = password;
    for (int i = 0; i < password.length; i++) {
      if (password[i] == 0) {
        pw = Arrays.copyOf(password, i);
        break;
      }
    }
    return MessageDigest.isEqual(hash, pbkdf2 ? pbkdf2Sha512(pw, salt, iterations) : sha512(pw, salt));
  }

  private static byte[] sha512(byte[] password, byte[] salt) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-512");
      md.update(password);
      md.update(salt);
      return md.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-512 is missing from this JVM", e);
    }
  }

  /**
   * PBKDF2 (RFC 8018) with HMAC-SHA512 for one 64-byte block, over the password's bytes as they are
   * (the JDK's PBKDF2 takes chars and would re-encode them).
   */
  static byte[] pbkdf2Sha512(byte[] password, byte[] salt, int iterations) {
    try {
      Mac mac = Mac.getInstance("HmacSHA512");
      // HMAC pads its key with zeros, so the key {0} is the empty key, which SecretKeySpec refuses
      mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA512"));
      mac.update(salt);
      byte[] u = mac.doFinal(new byte[] {0, 0, 0, 1});
      byte[] t = u.clone();
      for (int i = 1; i < iterations; i++) {
        u = mac.doFinal(u);
        for (int j = 0; j < t.length; j++) {
          t[j] ^= u[j];
        }
      }
      return t;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA512 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return pbkdf2 ? "PasswordHash[$7$, " + iterations + " iterations]" : "PasswordHash[$6$]";
  }
}
