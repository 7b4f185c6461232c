package io.virtnet.agent.netlink;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away network namespace driven with iproute2, for tests against the real kernel. Where
 * namespaces cannot be created the test is skipped, unless CI=true, where it fails.
 */
final class KernelNetns implements AutoCloseable {
  final String name;
  final Path path;

  private KernelNetns(String name) {
    this.name = name;
    this.path = Path.of("/var/run/netns", name);
  }

  static KernelNetns create() {
    String name = "vnt-" + UUID.randomUUID().toString().substring(0, 8);
    String problem;
    try {
      Result r = exec(null, "ip", "netns", "add", name);
      problem = r.code == 0 ? null : "`ip netns add` exited " + r.code + ": " + r.output.trim();
    } catch (IOException e) {
      problem = "cannot run ip(8): " + e.getMessage();
    }
    if (problem != null) {
      String reason = "kernel test needs a network namespace: " + problem;
      if ("true".equals(System.getenv("CI"))) {
        fail(reason);
      }
      Assumptions.abort(reason);
    }
    return new KernelNetns(name);
  }

  /** Runs {@code ip -n NAME <args>} and fails the test if it fails. */
  String ip(String args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
    cmd.addAll(Arrays.asList(args.split(" ")));
    return check(cmd, null);
  }

  /** Runs many ip commands in one process ({@code ip -batch -}), as fast as the kernel takes them. */
  void batch(List<String> lines) {
    check(List.of("ip", "-n", name, "-batch", "-"), String.join("\n", lines) + "\n");
  }

  private String check(List<String> cmd, String stdin) {
    try {
      Result r = exec(stdin, cmd.toArray(String[]::new));
      if (r.code != 0) {
        fail(String.join(" ", cmd) + " exited " + r.code + ": " + r.output.trim());
      }
      return r.output;
    } catch (IOException e) {
      return fail(e);
    }
  }

  @Override
  public void close() throws IOException {
    exec(null, "ip", "netns", "del", name);
  }

  private record Result(int code, String output) {}

  private static Result exec(String stdin, String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }
}
