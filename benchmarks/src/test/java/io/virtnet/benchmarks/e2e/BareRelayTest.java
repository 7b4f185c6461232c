package io.virtnet.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bare relay on a real broker: every command reaches every instance of its PHY, with and without config writes. */
@ExtendWith(SharedBroker.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BareRelayTest {
  /** Scenario (b)'s shape (8 PHYs, 8 instances each), 0.5 s at its rate. */
  private final BenchScenario round = BenchScenario.standard("b", Duration.ZERO, Duration.ofMillis(500), 1);

  @Test
  void relaysEveryCommandToEveryInstance_andWritesNoConfigCopies(EmbeddedBroker broker) {
    String root = runChecked(broker, false);

    assertThat(retainedCopy(broker, root + "/cfg/0")).isEmpty();
  }

  @Test
  void withConfigWrites_leavesEveryInstanceARetainedCopyOfItsPhysLastCommand(EmbeddedBroker broker) {
    String root = runChecked(broker, true);

    byte[][] lastOfPhy = new byte[round.phys()][];
    for (int i = 0; i < round.instances(); i++) {
      Optional<byte[]> copy = retainedCopy(broker, root + "/cfg/" + i);
      assertThat(copy).as("instance %d", i).isPresent();
      assertThat(Codecs.PHY_COMMAND.decode(copy.get()).op()).isEqualTo(PhyCommand.Op.CARRIER);
      // the instances of one PHY all hold its last command
      int phy = round.phyOf(i);
      if (lastOfPhy[phy] == null) {
        lastOfPhy[phy] = copy.get();
      }
      assertThat(copy.get()).as("instance %d", i).isEqualTo(lastOfPhy[phy]);
    }
  }

  /** One round through a relay under a fresh root, checked delivered in full; returns the root. */
  private String runChecked(EmbeddedBroker broker, boolean configWrites) {
    String root = TestMqtt.uniquePrefix();
    try (BareRelay relay = new BareRelay(round, settings(broker), root, configWrites)) {
      // the settle bound only limits a failing run: a passing one returns when every instance shows its last change
      FlapRun.Measurement m = relay.run(round, Duration.ofSeconds(30), false);

      assertThat(relay.configWrites()).isEqualTo(configWrites);
      assertThat(m.commands()).isGreaterThan(50);
      assertThat(m.delivered()).isEqualTo(m.commands() * (round.instances() / round.phys()));
      assertThat(m.missed()).isZero();
      assertThat(m.wrongFinalStates()).isZero();
    }
    return root;
  }

  private static BrokerSettings settings(EmbeddedBroker broker) {
    return BrokerSettings.parse(broker.uri(), false, null, null, null);
  }

  private static Optional<byte[]> retainedCopy(EmbeddedBroker broker, String topic) {
    try (InjectorClient c = InjectorClient.connectBlocking(settings(broker), InjectorClient.CONNECT_TIMEOUT)) {
      return InjectorClient.join(c.retained(topic, Duration.ofSeconds(2)), Duration.ofSeconds(10)).map(InjectorClient.Message::payload);
    }
  }
}
