package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class RetainedStoreTest {
  private final RetainedStore store = new RetainedStore();

  @Test
  void restoresOnlyTheLatestValuePerTopic_inTheOrderTopicsFirstAppeared() {
    store.remember("a", Buffer.buffer("a1"));
    store.remember("b", Buffer.buffer("b1"));
    store.remember("a", Buffer.buffer("a2"));

    assertThat(store.toRestore()).extracting(v -> v.topic() + "=" + v.payload())
        .containsExactly("a=a2", "b=b1");
  }

  @Test
  void aValueOlderThanOneAlreadySent_mayNotBeSent() {
    RetainedStore.Value v1 = store.remember("a", Buffer.buffer("1"));
    RetainedStore.Value v2 = store.remember("a", Buffer.buffer("2"));
    RetainedStore.Value other = store.remember("b", Buffer.buffer("x"));

    assertThat(store.claimSend(v2)).isTrue();
    assertThat(store.claimSend(v1)).as("stale").isFalse();
    assertThat(store.claimSend(v2)).as("the same value again (after a reconnect)").isTrue();
    assertThat(store.claimSend(other)).as("another topic").isTrue();
  }

  @Test
  void anAcknowledgedClearIsForgotten_unlessANewerValueTookItsPlace() {
    RetainedStore.Value clear = store.remember("a", Buffer.buffer());
    store.acknowledged(clear);
    assertThat(store.size()).isZero();

    RetainedStore.Value clear2 = store.remember("b", Buffer.buffer());
    store.remember("b", Buffer.buffer("back"));
    store.acknowledged(clear2);
    assertThat(store.toRestore()).extracting(v -> v.payload().toString()).containsExactly("back");

    RetainedStore.Value value = store.remember("c", Buffer.buffer("v"));
    store.acknowledged(value);
    assertThat(store.isLatest(value)).as("a value, not a clear, stays to be restored").isTrue();
  }

  @Test
  void aForgottenTopicIsNotRestored() {
    store.remember("a", Buffer.buffer("1"));
    store.forget("a");
    assertThat(store.toRestore()).isEmpty();
  }
}
