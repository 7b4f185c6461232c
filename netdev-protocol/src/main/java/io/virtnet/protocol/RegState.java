package io.virtnet.protocol;

/** The kernel's {@code reg_state} of a net_device, as far as a watcher can see it. */
public enum RegState {
  REGISTERED,
  /** Unregistered, but references are still held ({@code netdev_wait_allrefs} is waiting). */
  UNREGISTERING,
  UNREGISTERED
}
