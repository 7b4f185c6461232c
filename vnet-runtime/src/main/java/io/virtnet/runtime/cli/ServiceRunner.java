package io.virtnet.runtime.cli;

import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one service from a {@code main}: deploys its root verticle and, on Ctrl-C or SIGTERM, undeploys
 * it (so holds are released and "offline" is published) before the JVM exits.
 */
public final class ServiceRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);
  /** How long a clean shutdown may take before the JVM exits anyway. */
  public static final long SHUTDOWN_TIMEOUT_SECONDS = 8;

  private ServiceRunner() {}

  /** Deploys the verticle and blocks until it is started; returns the Vert.x instance. */
  public static Vertx run(String name, Supplier<? extends Deployable> verticle) {
    Vertx vertx = Vertx.vertx();
    Future<String> deployed = vertx.deployVerticle(verticle.get());
    try {
      deployed.await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("{} failed to start: {}", name, e.getMessage());
      vertx.close();
      throw new IllegalStateException(name + " failed to start: " + e.getMessage(), e);
    }
    installShutdownHook(name, vertx);
    return vertx;
  }

  /** Closes {@code vertx} (stopping every verticle) on JVM shutdown, bounded by {@link #SHUTDOWN_TIMEOUT_SECONDS}. */
  public static void installShutdownHook(String name, Vertx vertx) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      CountDownLatch done = new CountDownLatch(1);
      vertx.close().onComplete(ar -> done.countDown());
      try {
        if (!done.await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          LOG.warn("{} did not stop within {} s", name, SHUTDOWN_TIMEOUT_SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-shutdown"));
  }
}
