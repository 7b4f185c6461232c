package io.virtnet.systemtests.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.systemtests.support.Mosquitto;
import io.virtnet.systemtests.support.RepoLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CI version of the chaos soak (issue 18 item 4): {@code fault-injector chaos} with a fixed seed
 * for 60 s of faults — flap storms, SIGKILL and restart of every service and of the broker, broker
 * restarts with an empty store, contract-valid lies — on the embedded HiveMQ CE (a launcher process it
 * starts and kills itself). Every round must end with every frontend view, config and hold agreeing
 * with the PHYs' truth: zero wrong final states. The Mosquitto run is the same on the Debian broker;
 * it doubles the wall time, so it runs with {@code -Dvnet.chaos.mosquitto=true}.
 */
@Tag("reliability")
class ChaosSoakIT {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosSoakIT.class);
  static final long SEED = 42;
  private static final Pattern ROUNDS = Pattern.compile("chaos: seed \\d+, \\d+ s of faults, (\\d+) rounds");

  private static String soak(String brokerKind) throws Exception {
    for (String module : List.of("phy-agent", "virtnet-backend", "rtos-frontend", "launcher")) {
      RepoLayout.requireJar(module);
    }
    Path work = RepoLayout.logDir().resolve("chaos-" + brokerKind);
    Path report = work.resolve("report.md");
    StringWriter out = new StringWriter();
    PrintWriter pw = new PrintWriter(out, true);
    int rc = new picocli.CommandLine(new FaultInjectorMain()).setOut(pw).setErr(pw).execute("chaos",
        "--seed", String.valueOf(SEED), "--duration", "60s", "--quiet", "20s", "--broker-kind", brokerKind,
        "--repo", RepoLayout.root().toString(), "--mosquitto", "/usr/sbin/mosquitto", "--work", work.toString(), "--report", report.toString());
    pw.flush();
    LOG.info("RELIABILITY chaos soak on {} (seed {}):\n{}", brokerKind, SEED, out);
    assertThat(rc).as("chaos exit code; output:\n" + out + "\nlogs in " + work).isZero();
    assertThat(Files.readString(report)).contains("wrong final states: 0").doesNotContain("WRONG");
    Matcher m = ROUNDS.matcher(out.toString());
    assertThat(m.find()).as("summary line in:\n" + out).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as("rounds in 60 s").isGreaterThanOrEqualTo(5);
    return out.toString();
  }

  @Test
  @Timeout(240)
  void sixtySecondSeededSoakOnEmbeddedHiveMq_leavesNoWrongFinalState() throws Exception {
    String out = soak("hivemq");
    // the process and broker faults really ran (seed 42 kills the frontend, the broker and the agent in its first four rounds)
    assertThat(out).containsPattern("\\| (kill-agent|kill-backend|kill-frontend|kill-broker|broker-empty-store) \\| [1-9]");
  }

  @Test
  @Timeout(240)
  @EnabledIfSystemProperty(named = "vnet.chaos.mosquitto", matches = "true")
  void sixtySecondSeededSoakOnMosquitto_leavesNoWrongFinalState() throws Exception {
    Mosquitto.requireBinary();
    soak("mosquitto");
  }
}
