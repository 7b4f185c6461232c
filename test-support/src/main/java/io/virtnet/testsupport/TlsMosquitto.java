package io.virtnet.testsupport;

import static org.awaitility.Awaitility.await;

import io.virtnet.broker.EmbeddedBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto serving TLS on a free loopback port with a server certificate for the given host names,
 * signed by a CA made for the test (openssl CLI). {@link #caFile()} is what a client must trust. A second,
 * plain listener on loopback ({@link #plainPort()}) lets a test observe whatever the certificate's names.
 */
public final class TlsMosquitto implements AutoCloseable {
  private final Process process;
  private final int port;
  private final int plainPort;
  private final Path caFile;

  private TlsMosquitto(Process process, int port, int plainPort, Path caFile) {
    this.process = process;
    this.port = port;
    this.plainPort = plainPort;
    this.caFile = caFile;
  }

  /** Starts Mosquitto with a certificate whose subject alternative names are {@code san} (e.g. "DNS:localhost"). */
  public static TlsMosquitto start(Path dir, String san) throws Exception {
    Path ca = dir.resolve("ca.pem");
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=virtnet test CA");
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=virtnet test broker");
    Files.writeString(dir.resolve("san.cnf"), "subjectAltName=" + san + "\n");
    openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.cnf");
    int port = EmbeddedBroker.freePort();
    int plainPort = EmbeddedBroker.freePort();
    Path conf = Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
        "user " + System.getProperty("user.name"), // as root, Mosquitto would drop to a user that cannot read the key
        "persistence false",
        "listener " + port + " 127.0.0.1",
        "allow_anonymous true",
        "cafile " + ca,
        "certfile " + dir.resolve("server.pem"),
        "keyfile " + dir.resolve("server.key"),
        "listener " + plainPort + " 127.0.0.1",
        ""));
    Process p = new ProcessBuilder("mosquitto", "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
    TlsMosquitto m = new TlsMosquitto(p, port, plainPort, ca);
    try {
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
        if (!p.isAlive()) {
          throw new IllegalStateException("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
        }
        return accepts(port) && accepts(plainPort);
      });
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("openssl.log").toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + Files.readString(dir.resolve("openssl.log")));
    }
  }

  /** The TLS listener's port. */
  public int port() {
    return port;
  }

  /** The plain listener's port, on 127.0.0.1. */
  public int plainPort() {
    return plainPort;
  }

  /** The test CA's certificate (PEM), which signed the broker's. */
  public Path caFile() {
    return caFile;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
