package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.Codec;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.runtime.metrics.Rejections;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Decode once, reject with a reason, never reach the handler with bad input: without a broker. */
class TypedSubscriberTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Rejections rejections = new Rejections(registry, "test");
  private final AtomicInteger decodes = new AtomicInteger();
  /** Accepts text that starts with "ok", counting its decodes. */
  private final Codec<String> okCodec = new Codec<>() {
    @Override
    public String decode(byte[] payload) {
      decodes.incrementAndGet();
      String s = new String(payload, StandardCharsets.UTF_8);
      if (!s.startsWith("ok")) {
        throw InvalidMessageException.of("not-ok", "payload does not start with ok");
      }
      return s;
    }

    @Override
    public byte[] encode(String message) {
      return message.getBytes(StandardCharsets.UTF_8);
    }
  };

  private static InboundMessage message(String payload, boolean retained) {
    return new InboundMessage("vnet/t/x", Buffer.buffer(payload), retained);
  }

  private double rejected(String reason) {
    var c = registry.find("vnet_rejected_messages").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void subscribersOfOneMessage_shareOneDecode_andGetTheTopicValueAndRetainedFlag() {
    List<Received<String>> a = new ArrayList<>();
    List<Received<String>> b = new ArrayList<>();
    TypedSubscriber<String> first = TypedSubscriber.of(okCodec, rejections, a::add);
    TypedSubscriber<String> second = TypedSubscriber.of(okCodec, rejections, b::add);
    InboundMessage m = message("ok 1", true);
    first.handle(m);
    second.handle(m);
    assertThat(decodes).hasValue(1);
    assertThat(a).containsExactly(new Received<>("vnet/t/x", "ok 1", true));
    assertThat(b).containsExactly(new Received<>("vnet/t/x", "ok 1", true));
    assertThat(rejections.total()).isZero();
  }

  @Test
  void aRefusedPayload_isCountedWithItsReason_andNeverReachesTheHandler() {
    List<Received<String>> got = new ArrayList<>();
    TypedSubscriber<String> first = TypedSubscriber.of(okCodec, rejections, got::add);
    TypedSubscriber<String> second = TypedSubscriber.of(okCodec, rejections, got::add);
    InboundMessage bad = message("nope", false);
    first.handle(bad);
    second.handle(bad);
    assertThat(got).isEmpty();
    assertThat(decodes).as("the rejection is shared too").hasValue(1);
    assertThat(rejected("not-ok")).as("each subscriber counts what it dropped").isEqualTo(2);
    first.handle(message("ok again", false));
    assertThat(got).extracting(Received::value).containsExactly("ok again");
  }

  @Test
  void aProtocolCodec_refusesGarbage_andAcceptsAValidStatus() {
    List<ServiceStatus> got = new ArrayList<>();
    TypedSubscriber<ServiceStatus> s = TypedSubscriber.of(Codecs.SERVICE_STATUS, rejections, r -> got.add(r.value()));
    s.handle(message("", false));
    s.handle(message("{not json", false));
    s.handle(message("{\"state\":\"maybe\"}", false));
    s.handle(message("{\"state\":\"online\",\"ts\":\"2026-12-04T20:00:00Z\"}", false));
    assertThat(got).containsExactly(new ServiceStatus(true, Instant.parse("2026-12-04T20:00:00Z")));
    assertThat(rejected("empty")).isEqualTo(1);
    assertThat(rejected("malformed-json")).isEqualTo(1);
    assertThat(rejected("unknown-value")).isEqualTo(1);
  }

  @Test
  void aRuleOfTheHandlersOwn_isCountedAsARejectionToo() {
    TypedSubscriber<String> s = TypedSubscriber.of(okCodec, rejections, r -> {
      throw InvalidMessageException.of("holder-mismatch", "payload holder differs from the topic's");
    });
    s.handle(message("ok", false));
    assertThat(rejected("holder-mismatch")).isEqualTo(1);
  }

  @Test
  void orGone_handsAnEmptyPayloadToGone_andStillRefusesGarbage() {
    List<String> got = new ArrayList<>();
    List<TypedSubscriber.Gone> gone = new ArrayList<>();
    TypedSubscriber<String> s = TypedSubscriber.orGone(okCodec, rejections, r -> got.add(r.value()), gone::add);
    s.handle(message("", true));
    s.handle(message("nope", false));
    s.handle(message("ok", false));
    assertThat(gone).containsExactly(new TypedSubscriber.Gone("vnet/t/x", true));
    assertThat(got).containsExactly("ok");
    assertThat(rejected("not-ok")).isEqualTo(1);
    assertThat(rejected("empty")).isZero();
  }

  @Test
  void orGoneWithRefusals_handsGarbageAndTheHandlersRulesToThem_andCountsNothing() {
    List<String> got = new ArrayList<>();
    List<TypedSubscriber.Gone> gone = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    TypedSubscriber<String> s = TypedSubscriber.orGone(okCodec, (topic, e) -> refused.add(topic + " " + e.reason()),
        r -> {
          if (r.value().equals("ok but not mine")) {
            throw InvalidMessageException.of("instance-mismatch", "names another instance");
          }
          got.add(r.value());
        }, gone::add);
    s.handle(message("", true));
    s.handle(message("nope", false));
    s.handle(message("ok but not mine", true));
    s.handle(message("ok", true));
    assertThat(gone).containsExactly(new TypedSubscriber.Gone("vnet/t/x", true));
    assertThat(got).containsExactly("ok");
    assertThat(refused).containsExactly("vnet/t/x not-ok", "vnet/t/x instance-mismatch");
    assertThat(rejections.total()).isZero();
    assertThat(registry.find("vnet_rejected_messages").counters()).isEmpty();
  }

  @Test
  void uncountedRefusals_dropGarbageQuietly_andStillReachTheHandlerWithValidInput() {
    List<String> got = new ArrayList<>();
    TypedSubscriber<String> s = TypedSubscriber.orGone(okCodec, TypedSubscriber.Refusals.UNCOUNTED,
        r -> got.add(r.value()), g -> got.add("gone"));
    s.handle(message("nope", true));
    s.handle(message("", true));
    s.handle(message("ok", true));
    assertThat(got).containsExactly("gone", "ok");
    assertThat(registry.find("vnet_rejected_messages").counters()).isEmpty();
  }
}
