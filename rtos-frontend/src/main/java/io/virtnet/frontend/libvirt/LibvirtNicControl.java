package io.virtnet.frontend.libvirt;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.nic.NicControl;
import io.virtnet.frontend.nic.NicLinkState;
import io.virtnet.protocol.LinkView;

/**
 * A libvirt domain's NIC ({@code frontend: {kind: libvirt, uri, domain, interface}}): the link switch
 * is libvirt's live interface update with {@code <link state='up|down'/>}, the announce QEMU's
 * {@code announce-self} through libvirt. The interface is named by MAC address or target device, as
 * {@code virsh domif-setlink} takes it. Each NIC has a {@link LibvirtDomainClient} of its own.
 */
public final class LibvirtNicControl implements NicControl {
  private final LibvirtDomainClient client;
  private final String iface;
  private Future<Void> released;

  private LibvirtNicControl(LibvirtDomainClient client, String iface) {
    this.client = client;
    this.iface = iface;
  }

  /** Starts following {@code domain} at {@code uri} (in the background: libvirt may come later). */
  public static LibvirtNicControl start(Vertx vertx, String uri, String domain, String iface) {
    return start(vertx, new LibvirtDomainClient.Options(uri, domain), iface);
  }

  /** As {@link #start(Vertx, String, String, String)}, with the client's timeouts given. */
  public static LibvirtNicControl start(Vertx vertx, LibvirtDomainClient.Options options, String iface) {
    LibvirtDomainClient client = LibvirtDomainClient.create(vertx, options);
    client.start();
    return new LibvirtNicControl(client, iface);
  }

  @Override
  public String address() {
    return client.address();
  }

  @Override
  public String nic() {
    return iface;
  }

  @Override
  public boolean connected() {
    return client.connected();
  }

  @Override
  public String lastError() {
    return client.lastError();
  }

  @Override
  public Future<Void> setLink(boolean up) {
    return client.setLink(iface, up);
  }

  @Override
  public Future<Void> announce() {
    return client.announceSelf();
  }

  @Override
  public Runnable addSessionListener(SessionListener listener) {
    return client.addConnectionListener(new LibvirtDomainClient.ConnectionListener() {
      @Override
      public void connected(LibvirtDomainClient c) {
        listener.sessionUp();
      }

      @Override
      public void disconnected(LibvirtDomainClient c, String reason) {
        listener.sessionDown(reason);
      }
    });
  }

  /** {@code connected}, {@code domainState}, {@code lastError}, where: the view's {@code libvirt} object. */
  @Override
  public JsonObject status() {
    JsonObject o = new JsonObject().put("address", client.address()).put("connected", client.connected())
        .put("domainState", client.domainState());
    if (client.lastError() != null) {
      o.put("lastError", client.lastError());
    }
    return o;
  }

  @Override
  public String statusKey() {
    return "libvirtd";
  }

  /** The view's {@code libvirt} object: {@code connected}, {@code domainState}, {@code setLinkCalls}, {@code lastError}. */
  @Override
  public LinkView.Libvirt view(NicLinkState s) {
    return new LinkView.Libvirt(s.told(), client.connected(), client.domainState(), s.viewError(lastError()),
        s.setLinkCalls(), s.announces());
  }

  @Override
  public Future<Void> release() {
    if (released == null) {
      released = client.close();
    }
    return released;
  }
}
