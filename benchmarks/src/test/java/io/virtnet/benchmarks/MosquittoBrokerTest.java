package io.virtnet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MosquittoBrokerTest {
  @Test
  void startsListeningAndCloseEndsTheProcess() throws Exception {
    assumeTrue(MosquittoBroker.available(), "no " + MosquittoBroker.BINARY);
    long pid;
    try (MosquittoBroker broker = MosquittoBroker.start()) {
      pid = broker.pid();
      URI uri = URI.create(broker.uri());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2_000);
        assertThat(s.isConnected()).isTrue();
      }
    }
    Optional<ProcessHandle> left = ProcessHandle.of(pid);
    assertThat(left.map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }
}
