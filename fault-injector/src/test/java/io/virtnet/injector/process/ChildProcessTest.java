package io.virtnet.injector.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {
  @TempDir
  Path dir;

  @Test
  void stopEndsTheProcessAndItsOutputIsInTheLog() throws Exception {
    Path log = dir.resolve("child.log");
    ChildProcess p = ChildProcess.start("sh", List.of("sh", "-c", "echo ready; exec sleep 60"), log);
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("ready"));
    assertThat(p.alive()).isTrue();
    p.stop(Duration.ofSeconds(5));
    assertThat(p.alive()).isFalse();
  }

  @Test
  void awaitListeningReturnsOnceSomethingAcceptsAndFailsWhenTheProcessDied() throws Exception {
    ChildProcess sleeper = ChildProcess.start("sleep", List.of("sleep", "60"), dir.resolve("sleep.log"));
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ChildProcess.awaitListening(sleeper, s.getLocalPort(), Duration.ofSeconds(5));
    } finally {
      sleeper.kill();
    }
    ChildProcess dead = ChildProcess.start("false", List.of("false"), dir.resolve("false.log"));
    assertThatThrownBy(() -> ChildProcess.awaitListening(dead, ChildProcess.freePort(), Duration.ofSeconds(30)))
        .hasMessageContaining("exited before listening");
  }

  @Test
  void javaBinaryIsThisJvmsJava() {
    assertThat(Path.of(ChildProcess.javaBinary())).isExecutable();
  }
}
