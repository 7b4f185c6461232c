package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BrokerUriTest {

  @ParameterizedTest
  @CsvSource({
      "tcp://broker.example:1884, broker.example, 1884, false",
      "mqtt://broker.example, broker.example, 1883, false",
      "tcp://10.0.0.1, 10.0.0.1, 1883, false",
      "ssl://broker.example, broker.example, 8883, true",
      "tls://broker.example:9883, broker.example, 9883, true",
      "mqtts://broker.example/, broker.example, 8883, true",
      "TLS://broker.example, broker.example, 8883, true",
      "tcp://[::1]:1883, ::1, 1883, false",
  })
  void acceptsEverySchemeWithTheTransportsDefaultPort(String uri, String host, int port, boolean tls) {
    BrokerUri b = BrokerUri.parse(uri);
    assertThat(b.host()).isEqualTo(host);
    assertThat(b.port()).isEqualTo(port);
    assertThat(b.tls()).isEqualTo(tls);
  }

  @Test
  void tlsAddedLater_movesADefaultPortTo8883_butKeepsAGivenOne() {
    assertThat(BrokerUri.parse("tcp://h").withTls(true).port()).isEqualTo(8883);
    assertThat(BrokerUri.parse("tcp://h:1883").withTls(true).port()).isEqualTo(1883);
  }

  @Test
  void printsTheSchemeAndTheResolvedPort() {
    assertThat(BrokerUri.parse("mqtts://h")).hasToString("ssl://h:8883");
    assertThat(BrokerUri.parse("mqtt://[::1]")).hasToString("tcp://[::1]:1883");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://x | --broker 'http://x' must start with tcp:// or ssl:// (or mqtt://, tls://, mqtts://)",
      "localhost:1883 | --broker 'localhost:1883' has no scheme",
      "tcp:// | is not a URI like tcp://HOST:PORT",
      "tcp://:1883 | has no valid HOST:PORT in ':1883'",
      "tcp://host:port | has no valid HOST:PORT in 'host:port'",
      "tcp://h:70000 | port must be 1..65535, got 70000",
      "tcp://h:1883/vnet | has a path, query or fragment",
      "tcp://user:pw@h:1883 | has credentials in it; use --username and --password",
      "'  ' | --broker is empty",
  })
  void refusesWhatCannotWork_sayingWhat(String uri, String message) {
    assertThatThrownBy(() -> BrokerUri.parse(uri)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  @Test
  void sessionOptionsTakeTheParsedBroker() {
    MqttSessionOptions o = MqttSessionOptions.forBroker("tls://broker.example", "c");
    assertThat(o.host()).isEqualTo("broker.example");
    assertThat(o.port()).isEqualTo(8883);
    assertThat(o.tls()).isTrue();
    assertThat(o.uri()).isEqualTo("ssl://broker.example:8883");
  }
}
