package io.virtnet.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {
  private static final Path FILE = Path.of("passwd");
  // written by Debian's mosquitto_passwd 2.0.11: -b (PBKDF2-SHA512, 101 iterations) and -H sha512 -b
  private static final String ALICE_7 =
      "alice:$7$101$CXFZhPYU7szL+Mfy$eCBeuTKovWALTjbsvwQn+dQl8phpNzhntMJ+W6lY6m7ohCSsdNJ+iZgXTrnFgrBJUZ+iUMIyIGusJm2tfzNBEg==";
  private static final String BOB_6 =
      "bob:$6$oPRVaC6Tx6Rkqlju$sfyB+wLk1ctEbmoJ1VHBn74TS2imGdmaebAJ5tSe8sjAGLSIE+5XfAjzE6RRsBFHu5ageejQ+nFBLQZCWA0N+Q==";
  private static final String EMPTY_7 =
      "empty:$7$101$BlWHdO3pJeKa/X7q$G6mjA4IXduLV99EJtHgOeFtpVC2B1hugdhh92VBWvqfvXS0F3k9HlQ4TpsyDWwP+g9sbn3N543AfZI4JsxxwnQ==";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void knownVectors_ofBothFormats_acceptTheirPasswordOnly() {
    PasswordFile f = PasswordFile.parse(FILE, List.of("# users", "", ALICE_7, BOB_6, EMPTY_7));
    assertThat(f.users()).containsExactlyInAnyOrder("alice", "bob", "empty");
    assertThat(f.authenticate("alice", utf8("correct horse"))).isTrue();
    assertThat(f.authenticate("alice", utf8("correct horse "))).isFalse();
    assertThat(f.authenticate("bob", utf8("hunter2"))).isTrue();
    assertThat(f.authenticate("bob", utf8("hunter3"))).isFalse();
    assertThat(f.authenticate("alice", utf8("hunter2"))).as("another user's password").isFalse();
    assertThat(f.authenticate("empty", new byte[0])).isTrue();
    assertThat(f.authenticate("empty", utf8("x"))).isFalse();
    assertThat(f.authenticate("carol", utf8("hunter2"))).as("unknown user").isFalse();
    assertThat(f.authenticate("bob", null)).as("no password").isFalse();
  }

  @Test
  void pbkdf2_matchesTheRfcConstruction_forASecondIterationCount() throws Exception {
    // the JDK's PBKDF2 (over chars, UTF-8) must agree with ours (over bytes) for an ASCII password
    byte[] salt = utf8("twelve bytes");
    var spec = new javax.crypto.spec.PBEKeySpec("s3cret".toCharArray(), salt, 1000, 512);
    byte[] jdk = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    assertThat(PasswordHash.pbkdf2Sha512(utf8("s3cret"), salt, 1000)).isEqualTo(jdk);
  }

  @Test
  void aHashWrittenByMosquittoPasswdNow_isAccepted(@TempDir Path dir) throws Exception {
    Path tool = Path.of("/usr/bin/mosquitto_passwd");
    Assumptions.assumeTrue(Files.isExecutable(tool) || "true".equals(System.getenv("CI")),
        "mosquitto_passwd is not installed (apt-get install mosquitto; .ci/run does)");
    Path passwd = Files.createFile(dir.resolve("passwd"));
    String password = "pw-" + System.nanoTime() + "-ünï";
    for (List<String> cmd : List.of(
        List.of(tool.toString(), "-b", passwd.toString(), "svc7", password),
        List.of(tool.toString(), "-H", "sha512", "-b", passwd.toString(), "svc6", password))) {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
    }
    PasswordFile f = PasswordFile.read(passwd);
    assertThat(Files.readString(passwd)).contains("svc7:$7$").contains("svc6:$6$");
    assertThat(f.authenticate("svc7", utf8(password))).isTrue();
    assertThat(f.authenticate("svc6", utf8(password))).isTrue();
    assertThat(f.authenticate("svc7", utf8(password + "x"))).isFalse();
  }

  @Test
  void badLines_areErrorsNamingFileAndLine_withoutTheHash() {
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of(ALICE_7, "bob")))
        .isInstanceOf(AuthFileException.class).hasMessage("passwd:2: expected user:hash (as mosquitto_passwd writes it)");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of("bob:plaintext")))
        .hasMessageStartingWith("passwd:1: user 'bob': not a mosquitto_passwd hash");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of("bob:$7$0$CXFZhPYU7szL+Mfy$eCBe")))
        .hasMessage("passwd:1: user 'bob': hash iterations must be a positive number");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of("bob:$6$c2hvcnQ=$eCBe")))
        .hasMessage("passwd:1: user 'bob': the salt must be 12 bytes, got 5");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of("bob:$6$CXFZhPYU7szL+Mfy$!!")))
        .hasMessage("passwd:1: user 'bob': the hash is not base64");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of(ALICE_7, "", ALICE_7)))
        .hasMessage("passwd:3: user 'alice' is already defined on line 1");
    assertThatThrownBy(() -> PasswordFile.parse(FILE, List.of("# nobody")))
        .hasMessageContaining("no user in the password file");
  }

  @Test
  void toString_neverShowsAHash() {
    PasswordFile f = PasswordFile.parse(FILE, List.of(ALICE_7));
    assertThat(f.toString()).contains("alice").doesNotContain("$7$").doesNotContain("CXFZ");
    assertThat(PasswordHash.parse(ALICE_7.substring(6)).toString()).doesNotContain("CXFZ");
  }
}
