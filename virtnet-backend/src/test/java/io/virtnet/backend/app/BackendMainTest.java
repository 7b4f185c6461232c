package io.virtnet.backend.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad flags and bad config end with exit code 2 and a message naming the problem. */
class BackendMainTest {

  private static int run(StringWriter err, String... args) {
    CommandLine cl = new CommandLine(new BackendMain());
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void unknownFlagIsAUsageError() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("--bogus");
  }

  @Test
  void badConfigFileIsAUsageError(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "backend:\n  instances:\n    - {name: a, phy: eth0, agent: linux0, cpu: 9999, irq: 1}\n");
    assertThat(run(new StringWriter(), "--config", bad.toString())).isEqualTo(2);
    assertThat(run(new StringWriter(), "--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
  }

  @Test
  void badHttpPortAndBrokerAreUsageErrors() {
    assertThat(run(new StringWriter(), "--http-port", "70000")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--http-port", "many")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--broker", "http://x")).isEqualTo(2);
  }
}
