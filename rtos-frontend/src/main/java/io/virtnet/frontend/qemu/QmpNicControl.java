package io.virtnet.frontend.qemu;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.nic.NicControl;
import io.virtnet.frontend.nic.NicLinkState;
import io.virtnet.protocol.LinkView;

/**
 * A QEMU VM's NIC over QMP: the link switch is {@code set_link}, the announce {@code announce-self}.
 * The {@link QmpClient} comes from the CPU's {@link QmpClientPool} (QEMU serves one QMP client per
 * socket, so the NICs of one VM share it) and goes back on {@link #release()}.
 */
public final class QmpNicControl implements NicControl {
  private final QmpClientPool pool;
  private final QmpClient client;
  private final String nic;
  private boolean released;

  /** Takes the VM's shared client for {@code qmpAddress} from {@code pool}, for NIC {@code nic}. */
  public static QmpNicControl acquire(QmpClientPool pool, String qmpAddress, String nic) {
    return new QmpNicControl(pool, pool.acquire(qmpAddress), nic);
  }

  /** A control over a client the caller owns ({@link #release()} then does nothing). */
  public static QmpNicControl over(QmpClient client, String nic) {
    return new QmpNicControl(null, client, nic);
  }

  private QmpNicControl(QmpClientPool pool, QmpClient client, String nic) {
    this.pool = pool;
    this.client = client;
    this.nic = nic;
  }

  @Override
  public String address() {
    return client.address();
  }

  @Override
  public String nic() {
    return nic;
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
    return client.setLink(nic, up).mapEmpty();
  }

  @Override
  public Future<Void> announce() {
    return client.announceSelf().mapEmpty();
  }

  @Override
  public Runnable addSessionListener(SessionListener listener) {
    return client.addConnectionListener(new QmpClient.ConnectionListener() {
      @Override
      public void connected(QmpClient c) {
        listener.sessionUp();
      }

      @Override
      public void disconnected(QmpClient c, String reason) {
        listener.sessionDown(reason);
      }
    });
  }

  @Override
  public JsonObject status() {
    return client.status();
  }

  @Override
  public String statusKey() {
    return "qmp";
  }

  @Override
  public LinkView.Qemu view(NicLinkState s) {
    return new LinkView.Qemu(s.told(), s.qmpConnected(), s.qmpAnswered(), s.viewError(lastError()), s.setLinkCalls(),
        s.announces());
  }

  @Override
  public Future<Void> release() {
    if (pool == null || released) {
      return Future.succeededFuture();
    }
    released = true;
    return pool.release(client.address());
  }
}
