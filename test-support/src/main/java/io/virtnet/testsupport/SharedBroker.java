package io.virtnet.testsupport;

import io.virtnet.broker.EmbeddedBroker;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension giving tests one embedded HiveMQ CE per test JVM (it stops in ~4 s, so it is shared
 * through the root store). Tests inject {@link EmbeddedBroker} and use their own topic prefix
 * ({@link TestMqtt#uniquePrefix()}); a test that needs an empty store starts its own broker.
 */
public final class SharedBroker implements ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedBroker.class);

  private record Holder(EmbeddedBroker broker) implements AutoCloseable {
    @Override
    public void close() {
      broker.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
    return pc.getParameter().getType() == EmbeddedBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
    return broker(ec);
  }

  /** The shared broker, started on first use. */
  public static EmbeddedBroker broker(ExtensionContext ec) {
    return ec.getRoot().getStore(NS)
        .getOrComputeIfAbsent("broker", k -> new Holder(EmbeddedBroker.start(0)), Holder.class)
        .broker();
  }
}
