package io.virtnet.backend.policy;

/** Wiring between the stages of a {@link LinkPolicy}. */
final class Stage {
  private Stage() {}

  /** Receives a stage's new output state. */
  @FunctionalInterface
  interface Output {
    void accept(boolean up);
  }
}
