package io.virtnet.injector.chaos;

import java.util.Locale;

/** A service process of the stack and the module whose fat jar ({@code {module}/target/{module}.jar}) runs it. */
public enum Service {
  AGENT("phy-agent"), BACKEND("virtnet-backend"), FRONTEND("rtos-frontend");

  private final String module;

  Service(String module) {
    this.module = module;
  }

  public String module() {
    return module;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The service a kill fault targets. */
  public static Service killedBy(FaultKind kind) {
    return switch (kind) {
      case KILL_AGENT -> AGENT;
      case KILL_BACKEND -> BACKEND;
      case KILL_FRONTEND -> FRONTEND;
      default -> throw new IllegalArgumentException(kind.label() + " kills no service");
    };
  }
}
