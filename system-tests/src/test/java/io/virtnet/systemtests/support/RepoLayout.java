package io.virtnet.systemtests.support;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the repository's files are: docker-compose.yml, .env.example, deploy/ and the modules' fat jars. */
public final class RepoLayout {
  private RepoLayout() {}

  /** The repository root (failsafe passes {@code vnet.repo.root}; from an IDE the module's parent). */
  public static Path root() {
    String configured = System.getProperty("vnet.repo.root");
    Path root = (configured != null ? Path.of(configured) : Path.of("..")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
      throw new IllegalStateException("no docker-compose.yml in " + root + " (set -Dvnet.repo.root)");
    }
    return root;
  }

  public static Path file(String relative) {
    return root().resolve(relative);
  }

  /** The fat jar a module's shade plugin writes: {@code <module>/target/<module>.jar}. */
  public static Path jar(String module) {
    return root().resolve(module).resolve("target").resolve(module + ".jar");
  }

  /** True when the CI entry point (.ci/run) runs us: missing prerequisites fail there instead of skipping. */
  public static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Fails (on CI) or skips (elsewhere) with {@code reason} unless {@code present}. */
  public static void require(boolean present, String reason) {
    if (present) {
      return;
    }
    if (onCi()) {
      fail(reason + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort(reason);
  }

  /** The module's fat jar, failing on CI or skipping elsewhere when it was not built. */
  public static Path requireJar(String module) {
    Path jar = jar(module);
    require(Files.isRegularFile(jar), jar + " is missing: build it first (mvn -pl system-tests -am verify)");
    return jar;
  }

  /** The java launcher of the running JVM, for the service processes. */
  public static Path javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** Where the service processes' and brokers' logs go (kept after the run). */
  public static Path logDir() {
    Path dir = Path.of("target", "system-tests-logs").toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return dir;
  }
}
