package io.virtnet.systemtests.reliability;

import io.virtnet.broker.EmbeddedBroker;
import java.nio.file.Path;

/** An embedded broker on a free port, the stack's processes and an injector on it, for one test class. */
final class EmbeddedStack implements AutoCloseable {
  final EmbeddedBroker broker;
  final StackProcesses stack;
  final Injector injector;

  EmbeddedStack(String name, Path work) {
    broker = EmbeddedBroker.start(0);
    try {
      stack = new StackProcesses(name, broker.port(), null, work).start();
    } catch (RuntimeException | Error e) {
      broker.close();
      throw e;
    }
    injector = new Injector(broker.uri(), null, null);
  }

  @Override
  public void close() {
    try {
      stack.close();
    } finally {
      broker.close();
    }
  }
}
