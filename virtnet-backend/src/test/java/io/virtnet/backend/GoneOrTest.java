package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.ServiceStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GoneOrTest {
  @Test
  void empty_isGone_valid_isTheMessage_garbage_isRefused() {
    assertThat(GoneOr.SERVICE_STATUS.decode(new byte[0])).isEmpty();
    ServiceStatus online = new ServiceStatus(true, Instant.parse("2026-01-01T00:00:00Z"));
    byte[] wire = Codecs.SERVICE_STATUS.encode(online);
    assertThat(GoneOr.SERVICE_STATUS.decode(wire)).contains(online);
    assertThat(GoneOr.SERVICE_STATUS.encode(Optional.of(online))).isEqualTo(wire);
    assertThat(GoneOr.SERVICE_STATUS.encode(Optional.empty())).isEmpty();
    assertThatThrownBy(() -> GoneOr.SERVICE_STATUS.decode("garbage".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidMessageException.class);
  }
}
