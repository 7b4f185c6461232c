package io.virtnet.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

class CommandLinesTest {

  @Command(name = "demo", mixinStandardHelpOptions = true, description = "a long description that must not be printed")
  static final class Demo implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--config", description = "a config")
    String config;

    @Override
    public Integer call() {
      if ("bad".equals(config)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "bad.yaml: not valid YAML: line 2");
      }
      return 0;
    }
  }

  private static String run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = CommandLines.create(new Demo());
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute(args);
    assertThat(rc).isEqualTo(CommandLine.ExitCode.USAGE);
    return err.toString();
  }

  @Test
  void badConfig_printsTheErrorAndOneHelpLine_notTheUsage() {
    String err = run("--config", "bad");
    assertThat(err.lines()).containsExactly("demo: bad.yaml: not valid YAML: line 2", "Run 'demo --help' for usage.");
  }

  @Test
  void unknownOption_printsTheErrorAndOneHelpLine() {
    String err = run("--nope");
    assertThat(err).contains("Unknown option: '--nope'").contains("Run 'demo --help' for usage.")
        .doesNotContain("a long description").doesNotContain("Usage:");
  }
}
