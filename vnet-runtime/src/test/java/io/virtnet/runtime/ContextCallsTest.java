package io.virtnet.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ContextCallsTest {

  @Test
  void onTheOwnersContext_theActionRunsAtOnce(Vertx vertx, VertxTestContext test) {
    Context owner = vertx.getOrCreateContext();
    owner.runOnContext(v -> {
      AtomicReference<String> ran = new AtomicReference<>();
      ContextCalls.run(owner, () -> ran.set("now"));
      Future<String> got = ContextCalls.get(owner, () -> "value");
      test.verify(() -> {
        assertThat(ran.get()).isEqualTo("now");
        assertThat(got.result()).isEqualTo("value");
      });
      test.completeNow();
    });
  }

  @Test
  void fromAnotherContext_theActionRunsOnTheOwner_andTheResultComesBackOnTheCaller(Vertx vertx, VertxTestContext test) {
    Context owner = vertx.getOrCreateContext();
    Context caller = vertx.getOrCreateContext();
    caller.runOnContext(v -> ContextCalls.get(owner, () -> Vertx.currentContext())
        .onComplete(test.succeeding(ranOn -> test.verify(() -> {
          assertThat(ranOn).as("ran on").isSameAs(owner);
          assertThat(Vertx.currentContext()).as("delivered on").isSameAs(caller);
          test.completeNow();
        }))));
  }

  @Test
  void fromAPlainThread_runRunsTheActionOnTheOwner(Vertx vertx, VertxTestContext test) {
    Context owner = vertx.getOrCreateContext();
    ContextCalls.run(owner, () -> test.verify(() -> {
      assertThat(Vertx.currentContext()).isSameAs(owner);
      test.completeNow();
    }));
  }

  @Test
  void anActionThatThrows_failsTheFuture_onTheOwnerAndFromElsewhere(Vertx vertx) throws Exception {
    Context owner = vertx.getOrCreateContext();
    Future<String> fromOutside = ContextCalls.get(owner, () -> {
      throw new IllegalArgumentException("boom");
    });
    Future<Future<Void>> fromInside = ContextCalls.get(owner, () -> ContextCalls.call(owner, () -> {
      throw new IllegalStateException("boom inside");
    }));

    assertThatThrownBy(() -> fromOutside.await(5, TimeUnit.SECONDS)).hasMessage("boom");
    Future<Void> inner = fromInside.await(5, TimeUnit.SECONDS);
    assertThat(inner.failed()).isTrue();
    assertThat(inner.cause()).hasMessage("boom inside");
  }

  @Test
  void anActionReturningNoFuture_failsTheFuture(Vertx vertx) {
    Context owner = vertx.getOrCreateContext();
    Future<Void> f = ContextCalls.call(owner, () -> null);
    assertThatThrownBy(() -> f.await(5, TimeUnit.SECONDS)).hasMessageContaining("no future");
  }

  @Test
  void withoutAnOwner_theFutureFailsSayingSo() {
    Future<Integer> f = ContextCalls.get(null, () -> 1);
    assertThat(f.failed()).isTrue();
    assertThat(f.cause()).hasMessageContaining("not started");
    assertThatThrownBy(() -> ContextCalls.run(null, () -> { })).isInstanceOf(NullPointerException.class);
  }
}
