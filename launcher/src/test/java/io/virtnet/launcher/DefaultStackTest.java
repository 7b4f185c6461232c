package io.virtnet.launcher;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** A test against the default stack in one Vert.x on the shared broker, under a topic prefix of its own. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
abstract class DefaultStackTest {
  protected String p;
  protected InProcessStack stack;
  protected TestMqtt mqtt;
  private TestStacks.Running running;

  @BeforeEach
  void startDefaultStack(Vertx vertx, EmbeddedBroker broker) throws Exception {
    // GIVEN the default stack, every frontend showing carrier after probe
    running = TestStacks.startDefault(vertx, broker);
    p = running.prefix();
    stack = running.stack();
    mqtt = running.mqtt();
  }

  @AfterEach
  void stopStack() throws Exception {
    if (running != null) {
      running.close();
    }
  }

  protected String link(int cpu, String instance) {
    return running.link(cpu, instance);
  }
}
