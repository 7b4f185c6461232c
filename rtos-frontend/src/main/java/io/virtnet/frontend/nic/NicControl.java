package io.virtnet.frontend.nic;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.LinkView;

/**
 * One VM NIC as a hypervisor interface exposes it (QEMU's QMP, libvirt): the NIC's link switch and
 * announce, and the connection they go through. A {@link NicLinkForwarder} drives it; adding a
 * hypervisor interface means one implementation of this and one entry in the driver table. Calls may
 * come from any thread; futures fail with a {@link NicLinkException}.
 */
public interface NicControl {
  /** Told when a session to the hypervisor becomes usable (it may be a new VM) and when it ends. */
  interface SessionListener {
    void sessionUp();

    void sessionDown(String reason);
  }

  /** Where the hypervisor is reached (e.g. {@code unix:/run/vm1/qmp.sock}), for logs and errors. */
  String address();

  /** The NIC within the VM (e.g. the QEMU NIC id). */
  String nic();

  /** True while a session is up. */
  boolean connected();

  /** The last connection or call failure, or null. */
  String lastError();

  /** Sets the NIC's link as the guest driver sees it. */
  Future<Void> setLink(boolean up);

  /** Asks the hypervisor to announce the NIC (RARP, and a guest announce where negotiated). */
  Future<Void> announce();

  /** Adds a session listener (told at once if a session is up); returns a handle that removes it. */
  Runnable addSessionListener(SessionListener listener);

  /** Connection diagnostics for snapshots, under {@link #statusKey()}. */
  JsonObject status();

  /** The snapshot key of {@link #status()} (e.g. "qmp"). */
  String statusKey();

  /** The link view's extension for this kind: how the forwarder and the connection are doing. */
  LinkView.VmNic view(NicLinkState state);

  /** Gives the connection back (closing it when no other NIC uses it); safe twice. */
  Future<Void> release();
}
