package io.virtnet.protocol;

import java.time.Instant;

/** {@code {"state":"online"|"offline","ts":…}} on an agent's or backend's status topic. */
public record ServiceStatus(boolean online, Instant ts) {}
