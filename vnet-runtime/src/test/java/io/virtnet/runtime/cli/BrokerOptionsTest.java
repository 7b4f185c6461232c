package io.virtnet.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class BrokerOptionsTest {
  @Command(name = "svc")
  static final class Svc {
    @Mixin BrokerOptions broker;
  }

  private static MqttSessionOptions parse(String... args) {
    Svc svc = new Svc();
    new CommandLine(svc).parseArgs(args);
    return svc.broker.toSessionOptions("client");
  }

  @Test
  void defaultsToThePlainLocalBroker() {
    MqttSessionOptions o = parse();
    assertThat(o.uri()).isEqualTo("tcp://127.0.0.1:1883");
    assertThat(o.tls()).isFalse();
  }

  @Test
  void everyTlsSchemeAndTheTlsFlagMeanTls_onPort8883UnlessGiven() {
    assertThat(parse("--broker", "tls://b").uri()).isEqualTo("ssl://b:8883");
    assertThat(parse("--broker", "mqtts://b").uri()).isEqualTo("ssl://b:8883");
    assertThat(parse("--broker", "tcp://b", "--tls").uri()).isEqualTo("ssl://b:8883");
    assertThat(parse("--broker", "tcp://b:1884", "--tls").uri()).isEqualTo("ssl://b:1884");
  }

  @Test
  void aCaFileImpliesTls(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    MqttSessionOptions o = parse("--broker", "tcp://b", "--ca-file", ca.toString());
    assertThat(o.tls()).isTrue();
    assertThat(o.caFile()).isEqualTo(ca.toString());
  }

  @Test
  void tlsVerifiesTheHostNameUnlessTlsInsecure_whichWarnsLoudlyOnce() {
    assertThat(parse("--broker", "ssl://b").tlsInsecure()).isFalse();
    Logger log = (Logger) LoggerFactory.getLogger(BrokerOptions.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    log.addAppender(logged);
    try {
      Svc svc = new Svc();
      new CommandLine(svc).parseArgs("--broker", "ssl://b", "--tls-insecure");
      MqttSessionOptions first = svc.broker.toSessionOptions("backend");
      MqttSessionOptions second = svc.broker.toSessionOptions("agent");

      assertThat(first.tlsInsecure()).isTrue();
      assertThat(second.tlsInsecure()).isTrue();
      assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
          .singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
          .contains("--tls-insecure").contains("host name is NOT verified");
    } finally {
      log.detachAppender(logged);
    }
  }

  @Test
  void aBadBrokerOrCaFileIsRefusedSayingWhy(@TempDir Path dir) {
    assertThatThrownBy(() -> parse("--broker", "http://b")).hasMessageContaining("must start with tcp:// or ssl://");
    assertThatThrownBy(() -> parse("--ca-file", dir.resolve("missing.pem").toString())).hasMessageContaining("is not readable");
  }
}
