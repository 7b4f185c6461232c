package io.virtnet.broker.auth;

import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishOutboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One connection's ACL checks on the PUBLISHes it sends (write) and receives (read). */
final class AclInterceptors {
  private static final Logger LOG = LoggerFactory.getLogger(AclInterceptors.class);

  private final Acl.Grants grants;
  private final String clientId;
  private final String user;
  private final boolean mqtt5;
  private final AtomicBoolean warned = new AtomicBoolean();

  AclInterceptors(Acl.Grants grants, String clientId, String user, boolean mqtt5) {
    this.grants = grants;
    this.clientId = clientId;
    this.user = user;
    this.mqtt5 = mqtt5;
  }

  /**
   * A PUBLISH the ACL does not let this client write is dropped. MQTT 3 has no way to say so, and
   * Mosquitto acknowledges it as usual; MQTT 5 gets "not authorized" in the PUBACK, as from Mosquitto.
   */
  void onInboundPublish(PublishInboundInput in, PublishInboundOutput out) {
    String topic = in.getPublishPacket().getTopic();
    if (grants.allows(topic, Acl.Access.WRITE)) {
      return;
    }
    if (warned.compareAndSet(false, true)) {
      LOG.warn("client '{}' (user '{}') may not publish to '{}': dropped (its further refusals are logged at DEBUG)",
          clientId, user, topic);
    } else {
      LOG.debug("client '{}' (user '{}') may not publish to '{}': dropped", clientId, user, topic);
    }
    if (mqtt5) {
      out.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED);
    } else {
      out.preventPublishDelivery();
    }
  }

  /** A message this client may not read is not delivered to it, whatever its subscription. */
  void onOutboundPublish(PublishOutboundInput in, PublishOutboundOutput out) {
    if (!grants.allows(in.getPublishPacket().getTopic(), Acl.Access.READ)) {
      out.preventPublishDelivery();
    }
  }
}
