package io.virtnet.backend.config;

/**
 * When an instance sets {@code VIRTIO_NET_S_ANNOUNCE} (given GUEST_ANNOUNCE was negotiated): on every
 * rise of the link (the default), or only when asked ({@code POST /api/instances/{name}/announce}, as
 * QEMU's {@code announce-self}); asking works in both modes.
 */
public enum AnnounceMode {
  ON_LINK_UP("onLinkUp"),
  ON_REQUEST("onRequest");

  private final String wireName;

  AnnounceMode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Parses "onLinkUp" or "onRequest"; returns null for anything else. */
  public static AnnounceMode ofWireName(String s) {
    for (AnnounceMode m : values()) {
      if (m.wireName.equals(s)) {
        return m;
      }
    }
    return null;
  }
}
