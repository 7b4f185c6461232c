package io.virtnet.benchmarks;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.injector.process.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's Mosquitto ({@code /usr/sbin/mosquitto}) on a free port with a minimal temp config: anonymous,
 * no persistence, no limit on queued or in-flight messages, so the broker never drops what the bench sends.
 */
final class MosquittoBroker implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  static final java.time.Duration SYS_INTERVAL = java.time.Duration.ofSeconds(1);

  private final ChildProcess process;
  private final int port;
  private final Path dir;

  private MosquittoBroker(ChildProcess process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  static boolean available() {
    return Files.isExecutable(BINARY);
  }

  static MosquittoBroker start() {
    int port = EmbeddedBroker.freePort();
    try {
      Path dir = Files.createTempDirectory("vnet-bench-mosquitto");
      Path conf = dir.resolve("mosquitto.conf");
      Files.writeString(conf, String.join("\n",
          "listener " + port + " 127.0.0.1",
          "allow_anonymous true",
          "persistence false",
          "max_queued_messages 0",
          "max_inflight_messages 0",
          "max_keepalive 600",
          "set_tcp_nodelay true",
          // the bench reads the broker's own PUBLISH counters from $SYS; 1 s instead of the default 10 s
          "sys_interval " + SYS_INTERVAL.toSeconds(),
          "user root",
          "log_type error",
          ""), StandardCharsets.UTF_8);
      Path log = dir.resolve("mosquitto.log");
      ChildProcess p = ChildProcess.start("mosquitto", List.of(BINARY.toString(), "-c", conf.toString()), log);
      try {
        ChildProcess.awaitListening(p, port, java.time.Duration.ofSeconds(10));
      } catch (IllegalStateException e) {
        p.kill();
        throw new IllegalStateException(e.getMessage() + ": " + Files.readString(log), e);
      }
      return new MosquittoBroker(p, port, dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** The broker process's CPU time (user + system), from {@code /proc/PID/stat}; 0 when unreadable. */
  long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 10_000_000L; // USER_HZ = 100
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    process.stop(java.time.Duration.ofSeconds(5));
  }
}
