package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.InvalidMessageException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class InboundMessageTest {
  private final AtomicInteger decodes = new AtomicInteger();
  private final Function<byte[], String> upper = b -> {
    decodes.incrementAndGet();
    return new String(b, java.nio.charset.StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT);
  };

  @Test
  void subscribersSharingADecoderDecodeOnce() {
    InboundMessage m = new InboundMessage("vnet/phy/linux0/eth0/event", Buffer.buffer("abc"), false);
    assertThat(m.decoded(upper)).isEqualTo("ABC");
    assertThat(m.decoded(upper)).isEqualTo("ABC");
    assertThat(decodes).hasValue(1);
  }

  @Test
  void anotherDecoderDecodesAgain() {
    InboundMessage m = new InboundMessage("t", Buffer.buffer("abc"), false);
    Function<byte[], Integer> length = b -> b.length;
    assertThat(m.decoded(upper)).isEqualTo("ABC");
    assertThat(m.decoded(length)).isEqualTo(3);
    assertThat(m.decoded(upper)).isEqualTo("ABC");
    assertThat(decodes).hasValue(2);
  }

  @Test
  void aRejectionIsSharedToo() {
    Function<byte[], String> refuse = b -> {
      decodes.incrementAndGet();
      throw InvalidMessageException.of("json", "not JSON");
    };
    InboundMessage m = new InboundMessage("t", Buffer.buffer("{"), false);
    assertThatThrownBy(() -> m.decoded(refuse)).isInstanceOf(InvalidMessageException.class).hasMessage("not JSON");
    assertThatThrownBy(() -> m.decoded(refuse)).isInstanceOf(InvalidMessageException.class).hasMessage("not JSON");
    assertThat(decodes).hasValue(1);
  }
}
