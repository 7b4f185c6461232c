package io.virtnet.systemtests.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's mosquitto run with one of the deploy/ configs. The config is used as committed except
 * for a temp copy that rewrites what must differ on a test machine: the listener port (a free one, on
 * loopback) and the container paths of the password file, the ACL and the TLS files. The password
 * file is made by deploy/mosquitto/gen-passwd.sh itself from the passwords in .env.example.
 */
public final class Mosquitto implements AutoCloseable {
  private static final Pattern LISTENER = Pattern.compile("^listener\\s+\\d+\\s*$");
  private static final Pattern FILE_DIRECTIVE =
      Pattern.compile("^(password_file|acl_file|cafile|certfile|keyfile)\\s+(\\S+)\\s*$");

  private ServiceProcess process;
  private final int port;
  private final String name;
  private final Path conf;

  private Mosquitto(ServiceProcess process, int port, String name, Path conf) {
    this.process = process;
    this.port = port;
    this.name = name;
    this.conf = conf;
  }

  /** The broker binary, or a skip (failure on CI) saying that .ci/run installs it. */
  public static Path requireBinary() {
    Path bin = Path.of("/usr/sbin/mosquitto");
    RepoLayout.require(Files.isExecutable(bin) && Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd")),
        "/usr/sbin/mosquitto and mosquitto_passwd are not installed (apt-get install mosquitto; .ci/run does)");
    return bin;
  }

  /**
   * Starts mosquitto with {@code deployConf} (relative to the repository root) in {@code workDir};
   * {@code tlsDir} holds ca.crt, broker.crt and broker.key when the config has a TLS listener.
   */
  public static Mosquitto start(String deployConf, Path workDir, Path tlsDir) {
    requireBinary();
    try {
      // When we are root, mosquitto drops to the "mosquitto" user before it reads the password file
      // and the ACL, so the temp dir must be searchable by others.
      Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path passwd = workDir.resolve("passwd");
      generatePasswordFile(passwd);
      Path acl = workDir.resolve("acl");
      Files.copy(RepoLayout.file("deploy/mosquitto/acl"), acl);
      Files.setPosixFilePermissions(acl, PosixFilePermissions.fromString("rw-r--r--"));

      int port = Ports.free();
      Map<String, Path> files = new HashMap<>();
      files.put("password_file", passwd);
      files.put("acl_file", acl);
      if (tlsDir != null) {
        files.put("cafile", tlsDir.resolve("ca.crt"));
        files.put("certfile", tlsDir.resolve("broker.crt"));
        files.put("keyfile", tlsDir.resolve("broker.key"));
        giveKeyToBrokerUser(tlsDir.resolve("broker.key"));
      }
      Path conf = workDir.resolve("mosquitto.conf");
      Files.writeString(conf, rewrite(Files.readAllLines(RepoLayout.file(deployConf)), port, files));

      String name = "mosquitto-" + Path.of(deployConf).getFileName() + "-" + port;
      Mosquitto m = new Mosquitto(null, port, name, conf);
      m.launch(name);
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch(String logName) {
    ServiceProcess p = ServiceProcess.start(logName, List.of(requireBinary().toString(), "-c", conf.toString()), Map.of());
    process = p;
    await("mosquitto listening on " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          if (!p.isAlive()) {
            throw new AssertionError("mosquitto ended\n" + p.tail());
          }
          // not its log: mosquitto buffers stdout when it is not a terminal
          return Ports.accepting(port);
        });
  }

  /** SIGKILL: the broker dies without a word; its config has persistence off, so everything it held is lost. */
  public void kill() {
    process.kill();
  }

  /**
   * Starts the broker again with the same config on the same port (after {@link #kill()}); it comes
   * back with an empty retained store. {@code n} numbers the log file of this run.
   */
  public void restart(int n) {
    if (process.isAlive()) {
      process.kill();
    }
    // the port is free once the process is gone; a listener left in TIME_WAIT does not block it (SO_REUSEADDR)
    launch(name + "-restart" + n);
  }

  /**
   * Mosquitto 2 reads its key after dropping root for the "mosquitto" user, so (as deploy/README.md
   * tells for the container: chown 1883) the key must belong to that user when we run as root.
   */
  private static void giveKeyToBrokerUser(Path key) throws IOException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    try {
      Files.setOwner(key, key.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("mosquitto"));
    } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
      // no such user: mosquitto then keeps running as root and reads the key as root
    }
  }

  /** Runs deploy/mosquitto/gen-passwd.sh with the passwords of .env.example, writing {@code passwd}. */
  public static void generatePasswordFile(Path passwd) {
    Map<String, String> env = new HashMap<>();
    EnvFile.mqttPasswords().forEach((user, password) -> env.put(EnvFile.passwordVariable(user), password));
    env.put("VNET_PASSWD_FILE", passwd.toString());
    ServiceProcess gen = ServiceProcess.start("gen-passwd-" + passwd.getParent().getFileName(),
        List.of("/bin/sh", RepoLayout.file("deploy/mosquitto/gen-passwd.sh").toString()), env);
    int rc = gen.waitFor(Duration.ofSeconds(30));
    if (rc != 0) {
      throw new AssertionError("gen-passwd.sh failed with " + rc + "\n" + gen.tail());
    }
  }

  /** The committed config with only the listener port and the file paths replaced. */
  static String rewrite(List<String> lines, int port, Map<String, Path> files) {
    List<String> out = new ArrayList<>();
    int listeners = 0;
    for (String line : lines) {
      String t = line.strip();
      Matcher f = FILE_DIRECTIVE.matcher(t);
      if (LISTENER.matcher(t).matches()) {
        listeners++;
        out.add("listener " + port + " 127.0.0.1");
      } else if (f.matches()) {
        Path replacement = files.get(f.group(1));
        if (replacement == null) {
          throw new IllegalArgumentException("no test file for " + t);
        }
        out.add(f.group(1) + " " + replacement);
      } else {
        out.add(line);
      }
    }
    if (listeners != 1) {
      throw new IllegalArgumentException("expected exactly one 'listener PORT' line, found " + listeners);
    }
    return String.join("\n", out) + "\n";
  }

  public int port() {
    return port;
  }

  public String tcpUri() {
    return "tcp://127.0.0.1:" + port;
  }

  public String sslUri() {
    return "ssl://127.0.0.1:" + port;
  }

  public ServiceProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.close();
  }
}
