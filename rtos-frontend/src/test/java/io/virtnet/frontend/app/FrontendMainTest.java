package io.virtnet.frontend.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrontendMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return FrontendMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void badFlag_exits2() {
    assertThat(run("--cpus", "two")).isEqualTo(2);
    assertThat(err.toString()).contains("--cpus");
    assertThat(run("--no-such-flag")).isEqualTo(2);
  }

  @Test
  void badConfig_exits2WithTheFieldPath(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "frontend:\n  cpus: [2, 2]\n");
    assertThat(run("--config", f.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("frontend.cpus");
  }

  @Test
  void missingConfigFileOrBadBroker_exits2(@TempDir Path dir) {
    assertThat(run("--config", dir.resolve("nope.yaml").toString())).isEqualTo(2);
    assertThat(run("--broker", "http://x")).isEqualTo(2);
    assertThat(err.toString()).contains("does not exist").contains("--broker");
  }

  @Test
  void duplicateCpusOnTheCommandLine_exit2() {
    assertThat(run("--cpus", "2,2")).isEqualTo(2);
    assertThat(err.toString()).contains("frontend.cpus");
  }
}
