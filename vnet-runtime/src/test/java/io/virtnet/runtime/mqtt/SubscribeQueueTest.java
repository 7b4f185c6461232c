package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscribeQueueTest {
  @Test
  void batchesTheOldestRequestsInOrder_upToTheBatchSize() {
    SubscribeQueue q = new SubscribeQueue();
    List<Promise<Void>> promises = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Promise<Void> p = Promise.promise();
      promises.add(p);
      q.add("t/" + i, p);
    }

    SubscribeQueue.Batch first = q.next(3);
    assertThat(first.filters()).containsOnlyKeys("t/0", "t/1", "t/2").containsValue(1);
    assertThat(first.filters().keySet()).containsExactly("t/0", "t/1", "t/2");
    assertThat(first.waiting()).containsExactlyElementsOf(promises.subList(0, 3));
    assertThat(q.next(3).filters().keySet()).containsExactly("t/3", "t/4");
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void aFilterAskedForTwiceBeforeItLeaves_goesOnce_andItsSubscribeAnswersBoth() {
    SubscribeQueue q = new SubscribeQueue();
    Promise<Void> first = Promise.promise();
    Promise<Void> second = Promise.promise();
    Promise<Void> other = Promise.promise();
    q.add("a", first);
    q.add("b", other);
    q.add("a", second);

    SubscribeQueue.Batch batch = q.next(2);
    assertThat(batch.filters().keySet()).containsExactly("a", "b");
    assertThat(batch.waiting()).containsExactly(first, other, second);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void onlyTheFirstRequestOfAnEmptyQueueSchedulesASend() {
    SubscribeQueue q = new SubscribeQueue();
    assertThat(q.add("a", Promise.promise())).isTrue();
    assertThat(q.add("b", Promise.promise())).isFalse();
    q.next(100);
    assertThat(q.add("c", Promise.promise())).as("emptied: the next request schedules again").isTrue();
  }

  @Test
  void drainHandsBackEveryoneStillQueued() {
    SubscribeQueue q = new SubscribeQueue();
    Promise<Void> a = Promise.promise();
    Promise<Void> b = Promise.promise();
    q.add("a", a);
    q.add("b", b);

    assertThat(q.drain()).containsExactly(a, b);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void unsubscribesGoOutTogether_inBatches_withoutAFilterSubscribedAgainMeanwhile() {
    SubscribeQueue q = new SubscribeQueue();
    assertThat(q.addUnsubscribe("a", Promise.promise())).as("the first schedules the send").isTrue();
    assertThat(q.addUnsubscribe("b", Promise.promise())).isFalse();
    q.addUnsubscribe("c", Promise.promise());

    List<SubscribeQueue.Batch> batches = q.takeUnsubscribes(f -> f.equals("b"), 1);

    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).filters().keySet()).containsExactly("a");
    assertThat(batches.get(1).filters().keySet()).containsExactly("c");
    assertThat(batches.get(1).waiting()).hasSize(2); // b's waiter completes with a batch, b stays subscribed
    assertThat(q.takeUnsubscribes(f -> false, 2)).isEmpty();
    assertThat(q.addUnsubscribe("d", Promise.promise())).as("a new turn schedules again").isTrue();
  }
}
