package io.virtnet.runtime.mqtt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to try connecting again: after a failed attempt or a lost connection, wait the {@link Backoff}'s
 * next delay; a successful connection resets it. Counts reconnections and says which failed attempts
 * are worth a log line (the first, then every 20th) so a broker that stays away does not flood the log.
 */
final class ReconnectPolicy {
  private static final int LOG_EVERY = 20;

  // logged as the session: what an operator filters on when a service cannot reach its broker
  private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);

  private final Backoff backoff;
  private final String cannotConnect;
  private boolean everConnected;
  private volatile long reconnects;
  private int failedAttempts;

  /** {@code cannotConnect} starts the warning of a failed attempt ("MQTT c cannot connect to tcp://..."). */
  ReconnectPolicy(Backoff backoff, String cannotConnect) {
    this.backoff = backoff;
    this.cannotConnect = cannotConnect;
  }

  /** A connection attempt failed because of {@code why}: the delay before the next one (logged if worth it). */
  long attemptFailed(String why) {
    failedAttempts++;
    long delay = backoff.nextDelayMs();
    if (worthLogging()) {
      LOG.warn("{} ({}); retrying in {} ms (attempt {})", cannotConnect, why, delay, failedAttempts);
    }
    return delay;
  }

  /** Whether the failed attempt just counted should be logged. */
  boolean worthLogging() {
    return failedAttempts == 1 || failedAttempts % LOG_EVERY == 0;
  }

  /** A connection was accepted; true when it is a reconnection (an earlier one existed). */
  boolean connected() {
    boolean reconnect = everConnected;
    everConnected = true;
    failedAttempts = 0;
    backoff.reset();
    if (reconnect) {
      reconnects++;
    }
    return reconnect;
  }

  /** The connection was lost: the delay before the first attempt to get it back. */
  long connectionLost() {
    return backoff.nextDelayMs();
  }

  int failedAttempts() {
    return failedAttempts;
  }

  /** Completed reconnections after the first connection (read from any thread). */
  long reconnects() {
    return reconnects;
  }
}
