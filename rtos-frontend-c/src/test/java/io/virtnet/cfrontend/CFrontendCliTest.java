package io.virtnet.cfrontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.mqtt.BrokerUri;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vnet-frontend --broker} against vnet-runtime's BrokerUri, the parser of every Java service: what
 * Java refuses, the C CLI refuses (exit 2) for the same reason; what Java accepts, the C CLI resolves to
 * the same {@code tcp://} or {@code ssl://} HOST:PORT. Accepted URIs point at a loopback port where nothing
 * listens; each run is stopped once it has printed the broker it resolved.
 */
@Timeout(60)
class CFrontendCliTest {
  private final Path frontend = Path.of(System.getProperty("vnet.c.build", "target/cmake")).resolve("vnet-frontend");
  private final Path logs = Path.of("target", "cli-test");

  @ParameterizedTest
  @ValueSource(strings = {"http://x", "localhost:1883", "tcp://", "tcp://:1883", "tcp://host:port", "tcp://h:70000",
      "tcp://h:0", "tcp://h:1883/vnet", "tcp://h:1883?q", "tcp://user:pw@h:1883", "  ", "tcp://my_host:1883",
      "tcp://256.1.1.1", "wss://h:443", "ssl://h-.example"})
  void aBrokerJavaRefuses_theCliRefusesForTheSameReason(String broker) throws Exception {
    String java = javaRefusal(broker);

    Run run = run("refused", "--broker", broker, "--cpu", "1");

    assertThat(run.exit).as(run.output).isEqualTo(2);
    assertThat(run.output).as("Java says: " + java).contains(reason(java)).contains("usage: vnet-frontend");
    assertThat(run.output).doesNotContain("pw@").doesNotContain(":pw");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp://127.0.0.1:PORT", "mqtt://127.0.0.1:PORT", "ssl://localhost:PORT",
      "tls://127.0.0.1:PORT", "mqtts://localhost:PORT/", "TLS://127.0.0.1:PORT", "tcp://[::1]:PORT",
      " tcp://127.0.0.1:PORT "})
  void aBrokerJavaAccepts_theCliResolvesTheSame(String pattern) throws Exception {
    String broker = pattern.replace("PORT", String.valueOf(EmbeddedBroker.freePort()));
    String expected = BrokerUri.parse(broker).toString();

    NativeProcess c = start("accepted", "--broker", broker, "--cpu", "1");
    try {
      c.awaitOutput("broker " + expected + " (", 1, Duration.ofSeconds(10));
    } finally {
      assertThat(c.stop()).as(c.tail()).isZero();
    }
  }

  @Test
  void caFileImpliesTls_andMovesADefaultPortTo8883_asInJava() throws Exception {
    Path ca = Files.writeString(Files.createDirectories(logs).resolve("any-ca.pem"), "not read before connecting\n");
    NativeProcess c = start("ca-implies-tls", "--broker", "tcp://127.0.0.1", "--cpu", "1", "--ca-file", ca.toString());
    try {
      c.awaitOutput("broker " + BrokerUri.parse("tcp://127.0.0.1").withTls(true) + " (TLS, trusting " + ca, 1,
          Duration.ofSeconds(10));
    } finally {
      c.stop();
    }
  }

  @Test
  void anUnreadableCaFile_isRefused() throws Exception {
    Run run = run("ca-missing", "--broker", "ssl://127.0.0.1:1", "--cpu", "1", "--ca-file", "/nonexistent/ca.pem");

    assertThat(run.exit).isEqualTo(2);
    assertThat(run.output).contains("--ca-file /nonexistent/ca.pem is not readable");
  }

  private static String javaRefusal(String broker) {
    assertThatThrownBy(() -> BrokerUri.parse(broker)).isInstanceOf(IllegalArgumentException.class);
    try {
      BrokerUri.parse(broker);
      throw new AssertionError("unreachable");
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** The reason in a BrokerUri message: after the quoted URI, before the advice ("; use ...") or detail (" ("). */
  static String reason(String message) {
    int quote = message.indexOf("' ");
    int colon = message.indexOf("': ");
    String r = colon >= 0 ? message.substring(colon + 3) : quote >= 0 ? message.substring(quote + 2) : message;
    for (String end : List.of(";", " (")) {
      int i = r.indexOf(end);
      r = i >= 0 ? r.substring(0, i) : r;
    }
    return r.strip();
  }

  private record Run(int exit, String output) {}

  private Run run(String name, String... args) throws Exception {
    NativeProcess c = start(name, args);
    int exit = c.awaitExit(Duration.ofSeconds(20));
    return new Run(exit, c.output());
  }

  private NativeProcess start(String name, String... args) throws Exception {
    assertThat(frontend).as("the C frontend, built by CMake in this module").isExecutable();
    Files.createDirectories(logs);
    List<String> cmd = new ArrayList<>(List.of(frontend.toString()));
    cmd.addAll(List.of(args));
    return NativeProcess.start(name + "-" + Math.abs(String.join(" ", args).hashCode()), logs, cmd,
        Map.of("ASAN_OPTIONS", "detect_leaks=1"));
  }
}
