package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast timestamp parser agrees with {@link Instant#parse} and rejects what it rejects. */
class JsonInstantTest {
  @Test
  void fastPath_agreesWithInstantParse_onWhatInstantToStringWrites() {
    Random r = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochSecond(r.nextInt(Integer.MAX_VALUE) * (r.nextBoolean() ? 1L : 2L), r.nextInt(4) == 0 ? 0
          : r.nextInt(1_000_000_000) / (int) Math.pow(10, r.nextInt(7)) * (int) Math.pow(10, r.nextInt(3)));
      String s = t.toString();
      assertThat(Json.parseUtcInstant(s)).as(s).isEqualTo(Instant.parse(s));
      assertThat(Json.instant(Json.newObject().put("ts", s), "ts")).isEqualTo(t);
    }
  }

  @Test
  void otherShapes_areLeftToInstantParse() {
    assertThat(Json.instant(Json.newObject().put("ts", "2026-11-22T15:00:00.1Z"), "ts"))
        .isEqualTo(Instant.parse("2026-11-22T15:00:00.100Z"));
    assertThat(Json.parseUtcInstant("2026-11-22T15:00:00+01:00")).isNull();
    assertThat(Json.parseUtcInstant("+12026-11-22T15:00:00Z")).isNull();
  }

  @Test
  void invalidInstants_areRejectedAsWrongType() {
    for (String bad : new String[] {"2026-02-30T15:00:00Z",
        "2026-11-22T15:00:00.1234567890Z", "2026-1x-22T15:00:00Z", "yesterday", "2026-11-22 15:00:00Z"}) {
      assertThatThrownBy(() -> Json.instant(Json.newObject().put("ts", bad), "ts")).as(bad)
          .isInstanceOf(InvalidMessageException.class).hasMessageContaining("not an ISO-8601 instant");
    }
  }
}
