package io.virtnet.protocol;

import java.util.Set;

/**
 * Which VM-control targets an instance's {@code frontend} may name (contract §6). The HTTP API is
 * unauthenticated and a binding makes the frontend connect where it says, so by default only this
 * host's targets are allowed (a QMP unix socket or loopback TCP, libvirt {@code qemu:///system} or
 * {@code qemu:///session}); another host's must be listed, exactly as the binding names it, in the
 * configuration's {@code frontend.remoteTargets}. Both the backend (config and API) and the frontend
 * (before it connects) ask this.
 */
public record RemoteTargets(Set<String> allowed) {
  /** The configuration key that lists the allowed remote targets. */
  public static final String CONFIG_KEY = "frontend.remoteTargets";
  /** Only this host's targets. */
  public static final RemoteTargets NONE = new RemoteTargets(Set.of());

  public RemoteTargets {
    allowed = Set.copyOf(allowed);
  }

  /** Null if {@code binding} may be used (none, local, or listed), else why it is refused. */
  public String refusal(FrontendBinding binding) {
    if (binding == null || binding.local() || allowed.contains(binding.target())) {
      return null;
    }
    return "frontend " + binding.kind() + " target '" + Names.printable(binding.target()) + "' is not on this host;"
        + " an instance may name a remote target only if " + CONFIG_KEY + " lists it";
  }
}
