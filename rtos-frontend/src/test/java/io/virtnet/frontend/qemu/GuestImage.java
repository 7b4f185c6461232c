package io.virtnet.frontend.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tiny Linux guest built by {@code src/test/guest/build-guest.sh}: a kernel (uncompressed
 * vmlinux when it could be extracted) and an initramfs whose /init reports eth0's carrier on the
 * serial console. The cache lives in {@code ~/.cache/virtnet-guest} (or {@code $VIRTNET_GUEST_CACHE})
 * so only the first run downloads the kernel package.
 */
public record GuestImage(Path kernel, Path initrd) {
  /**
   * The guest kernel's command line. {@code no_timer_check}: under TCG on a loaded host the kernel's
   * IO-APIC timer check can time out and panic ("IO-APIC + timer doesn't work!"), seen here while
   * other builds ran; cloud images pass it for the same reason.
   */
  public static final String CMDLINE = "console=ttyS0 quiet panic=-1 no_timer_check";


  /** The guest cannot be built here; the message says why (missing tool, download failed, …). */
  public static final class UnavailableException extends Exception {
    UnavailableException(String message) {
      super(message);
    }
  }

  public static Path defaultCacheDir() {
    String env = System.getenv("VIRTNET_GUEST_CACHE");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "virtnet-guest");
  }

  /** {@link #build(Path, Path)} into the {@link #defaultCacheDir()}, its log in {@code workDir}. */
  public static GuestImage build(Path workDir) throws UnavailableException, IOException, InterruptedException {
    return build(defaultCacheDir(), workDir.resolve("build-guest.log"));
  }

  /** Runs the build script (a no-op when the cache is complete) and returns the image. */
  public static GuestImage build(Path cacheDir, Path logFile) throws UnavailableException, IOException, InterruptedException {
    Path script = script();
    Files.createDirectories(logFile.getParent());
    Path stdout = logFile.resolveSibling(logFile.getFileName() + ".out");
    Process p = new ProcessBuilder("bash", script.toString(), cacheDir.toString())
        .redirectErrorStream(false)
        .redirectOutput(stdout.toFile())
        .redirectError(logFile.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new UnavailableException("build-guest.sh did not finish within 10 minutes (log: " + logFile + ")");
    }
    List<String> out = Files.readAllLines(stdout, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      List<String> err = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      String tail = String.join(" | ", err.subList(Math.max(0, err.size() - 5), err.size()));
      throw new UnavailableException("build-guest.sh failed with exit " + p.exitValue() + ": " + tail);
    }
    Path kernel = null;
    Path initrd = null;
    for (String line : out) {
      if (line.startsWith("KERNEL=")) {
        kernel = Path.of(line.substring(7));
      } else if (line.startsWith("INITRD=")) {
        initrd = Path.of(line.substring(7));
      }
    }
    if (kernel == null || initrd == null || !Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
      throw new UnavailableException("build-guest.sh printed no usable KERNEL=/INITRD= lines: " + out);
    }
    return new GuestImage(kernel, initrd);
  }

  private static Path script() throws UnavailableException {
    String basedir = System.getProperty("basedir", ".");
    // from rtos-frontend itself, from the reactor root, or from a sibling module using the test-jar
    for (Path p : List.of(Path.of(basedir, "src/test/guest/build-guest.sh"), Path.of("src/test/guest/build-guest.sh"),
        Path.of("rtos-frontend/src/test/guest/build-guest.sh"),
        Path.of(basedir, "../rtos-frontend/src/test/guest/build-guest.sh"))) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new UnavailableException("src/test/guest/build-guest.sh not found from " + Path.of("").toAbsolutePath());
  }
}
