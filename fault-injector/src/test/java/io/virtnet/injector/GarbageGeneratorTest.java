package io.virtnet.injector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.injector.GarbageGenerator.Category;
import io.virtnet.injector.GarbageGenerator.Item;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioNetConfig;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GarbageGeneratorTest {
  private static final GarbageGenerator.Target TARGET =
      new GarbageGenerator.Target("vnet", "linux0", "eth0", "virtio-net0", "backend0", "virtio-net0", 2);
  private static final Topics TOPICS = Topics.of("vnet");

  @Test
  void sameSeed_givesTheSameItemsByteForByte() {
    List<Item> a = GarbageGenerator.create(TARGET).generate(42, 300);
    List<Item> b = GarbageGenerator.create(TARGET).generate(42, 300);
    assertThat(a).isEqualTo(b);
  }

  @Test
  void otherSeed_givesOtherItems() {
    assertThat(GarbageGenerator.create(TARGET).generate(1, 50))
        .isNotEqualTo(GarbageGenerator.create(TARGET).generate(2, 50));
  }

  @Test
  void firstRound_coversEveryCategoryAndEveryTopicKind() {
    for (long seed = 0; seed < 20; seed++) {
      List<Item> items = GarbageGenerator.create(TARGET).generate(seed, 10);
      assertThat(items).extracting(Item::category).containsExactlyInAnyOrder(Category.values());
      assertThat(items).extracting(Item::kind).containsExactlyInAnyOrder(TopicKind.values());
    }
  }

  @Test
  void hundredItems_coverEveryCategoryAndKindPair() {
    List<Item> items = GarbageGenerator.create(TARGET).generate(7, 100);
    Set<String> pairs = items.stream().map(i -> i.category() + "/" + i.kind()).collect(Collectors.toSet());
    assertThat(pairs).hasSize(Category.values().length * TopicKind.values().length);
  }

  @Test
  void topicsOption_restrictsKinds() {
    List<Item> items = GarbageGenerator.create(TARGET, EnumSet.of(TopicKind.STATE, TopicKind.IRQ)).generate(3, 40);
    assertThat(items).extracting(Item::kind).containsOnly(TopicKind.STATE, TopicKind.IRQ);
    assertThat(items).extracting(Item::category).contains(Category.values());
  }

  @Test
  void oversize_isAboveTheCap() {
    assertThat(GarbageGenerator.create(TARGET).generate(5, 200))
        .filteredOn(i -> i.category() == Category.OVERSIZE)
        .isNotEmpty()
        .allSatisfy(i -> assertThat(i.payload().length).isGreaterThan(
            i.kind() == TopicKind.IRQ ? IrqMessage.MAX_PAYLOAD_BYTES : Codecs.MAX_PAYLOAD_BYTES));
  }

  @Test
  void wildcardNames_areRefusedByTheClient_otherTopicsArePublishable() {
    for (Item i : GarbageGenerator.create(TARGET).generate(11, 300)) {
      if (i.category() == Category.WILDCARD_NAME) {
        assertThat(i.expectRefused()).isTrue();
        assertThat(InjectorClient.topicRefusal(i.topic())).as(i.toString()).isNotNull();
      } else {
        assertThat(i.expectRefused()).isFalse();
        assertThat(InjectorClient.topicRefusal(i.topic())).as(i.toString()).isNull();
      }
    }
  }

  @Test
  void invalidNames_areRefusedByTheContractsTopicParser() {
    assertThat(GarbageGenerator.create(TARGET).generate(13, 300))
        .filteredOn(i -> i.category() == Category.INVALID_NAME)
        .isNotEmpty()
        .allSatisfy(i -> assertThatThrownBy(() -> TOPICS.parse(i.topic())).as(i.toString())
            .isInstanceOf(InvalidMessageException.class));
  }

  /** Every payload-level breach is one the contract's own decoders reject. */
  @Test
  void payloadGarbage_isRejectedByTheContractsDecoders() {
    for (Item i : GarbageGenerator.create(TARGET).generate(17, 500)) {
      if (i.category() == Category.INVALID_NAME || i.category() == Category.WILDCARD_NAME) {
        continue; // the topic is the breach
      }
      if (i.category() == Category.EMPTY && Set.of(TopicKind.STATE, TopicKind.REF, TopicKind.DEVICE, TopicKind.CONFIG).contains(i.kind())) {
        continue; // an empty retained-kind payload means "gone", which the receivers handle as such
      }
      if (i.kind() == TopicKind.CONFIG && i.category() == Category.UNKNOWN_VALUE) {
        continue; // reserved status bits fit the layout; the frontend masks them
      }
      assertThat(TOPICS.parse(i.topic())).as(i.toString()).isNotNull();
      assertThat(rejected(i)).as(i.toString()).isTrue();
    }
  }

  private static boolean rejected(Item i) {
    try {
      decode(i);
      return false;
    } catch (RuntimeException e) {
      return true;
    }
  }

  private static Object decode(Item i) {
    byte[] b = i.payload();
    return switch (i.kind()) {
      case CMD -> Codecs.PHY_COMMAND.decode(b);
      case STATE -> Codecs.NETDEV_STATE.decode(b);
      case EVENT -> Codecs.NETDEV_EVENT.decode(b);
      case REF -> Codecs.REF_HOLD.decode(b);
      case AGENT_STATUS, BACKEND_STATUS -> Codecs.SERVICE_STATUS.decode(b);
      case DEVICE -> Codecs.DEVICE.decode(b);
      case CONFIG -> VirtioNetConfig.decodeWire(i.payload());
      case CTRL -> Codecs.CTRL.decode(b);
      case IRQ -> Codecs.IRQ.decode(b);
    };
  }

  @Test
  void topicKindLabels_parse() {
    assertThat(TopicKind.ofLabel("agent-status")).isEqualTo(TopicKind.AGENT_STATUS);
    assertThatThrownBy(() -> TopicKind.ofLabel("bogus")).hasMessageContaining("backend-status");
  }
}
