package io.virtnet.agent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.agent.config.AgentConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PhyAgentMainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    PhyAgentMain main = new PhyAgentMain(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    CommandLine cl = new CommandLine(main);
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    return cl.execute(args);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static PhyAgentMain.Settings settings(String... args) {
    PhyAgentMain main = new PhyAgentMain();
    new CommandLine(main).parseArgs(args);
    return main.settings();
  }

  @Test
  void withoutConfig_usesTheAgentSectionOfTheDefaultStack() {
    PhyAgentMain.Settings s = settings();

    assertThat(s.agent().name()).isEqualTo("linux0");
    assertThat(s.agent().source()).isEqualTo(AgentConfig.Source.SIM);
    assertThat(s.agent().phys()).hasSize(2);
    assertThat(s.mqtt().prefix()).isEqualTo("vnet");
    assertThat(s.options().clientId()).isEqualTo("vnet-agent-linux0");
    assertThat(s.options().uri()).isEqualTo("tcp://127.0.0.1:1883");
  }

  @Test
  void flags_overrideSourceAndInterfaces() {
    PhyAgentMain.Settings s = settings("--phy-source", "netlink", "--interfaces", "eth0, eth1",
        "--broker", "tcp://10.0.0.1:1884");

    assertThat(s.agent().source()).isEqualTo(AgentConfig.Source.NETLINK);
    assertThat(s.agent().interfaces()).containsExactly("eth0", "eth1");
    assertThat(s.options().uri()).isEqualTo("tcp://10.0.0.1:1884");
    assertThat(settings("--phy-source", "netlink", "--interfaces", "all").agent().allInterfaces()).isTrue();
  }

  @Test
  void configFile_isRead(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("stack.yaml");
    Files.writeString(f, "mqtt: {prefix: lab}\nagent: {name: board7, phys: [{name: eth0}]}\n");

    PhyAgentMain.Settings s = settings("--config", f.toString());

    assertThat(s.agent().name()).isEqualTo("board7");
    assertThat(s.mqtt().prefix()).isEqualTo("lab");
    assertThat(s.options().clientId()).isEqualTo("vnet-agent-board7");
  }

  @Test
  void badFlags_exitWith2_andSayWhy() {
    assertThat(run("--phy-source", "kernel")).isEqualTo(2);
    assertThat(stderr()).contains("--phy-source: must be sim or netlink, got 'kernel'");

    assertThat(run("--no-such-flag")).isEqualTo(2);
    assertThat(stderr()).contains("Unknown option: '--no-such-flag'");

    assertThat(run("--interfaces", "eth0")).isEqualTo(2);
    assertThat(stderr()).contains("agent.interfaces: only a netlink agent selects interfaces");

    assertThat(run("--phy-source", "netlink", "--interfaces", "eth0,a/b")).isEqualTo(2);
    assertThat(stderr()).contains("agent.interfaces: interface name 'a/b'");

    assertThat(run("--broker", "http://x")).isEqualTo(2);
    assertThat(stderr()).contains("--broker 'http://x' must start with tcp:// or ssl://");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void badConfig_exitsWith2_namingTheField(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "agent:\n  phys:\n    - name: eth0\n      mtu: 20\n");

    assertThat(run("--config", f.toString())).isEqualTo(2);
    assertThat(stderr()).contains("phy-agent: agent.phys[0].mtu: must be 68..65535, got 20");

    assertThat(run("--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
    assertThat(stderr()).contains("does not exist");
  }
}
