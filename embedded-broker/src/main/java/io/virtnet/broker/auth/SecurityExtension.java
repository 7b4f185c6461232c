package io.virtnet.broker.auth;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.client.ClientContext;
import com.hivemq.extension.sdk.api.client.parameter.InitializerInput;
import com.hivemq.extension.sdk.api.interceptor.connect.ConnectInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.connect.parameter.ConnectInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's logins and ACL, as an extension of HiveMQ CE, behaving as Mosquitto 2 does
 * with {@code allow_anonymous false}, {@code password_file} and {@code acl_file}:
 * <ul>
 *   <li>CONNECT: anonymous refused (not authorized), wrong password refused (not authorized on MQTT 3,
 *       bad user name or password on MQTT 5);</li>
 *   <li>PUBLISH the ACL does not grant: acknowledged and dropped (HiveMQ's publish authorizer would
 *       disconnect an MQTT 3 client instead, so an inbound interceptor drops it);</li>
 *   <li>SUBSCRIBE granted (Mosquitto 2's ACL file does not govern SUBSCRIBE, so no subscription
 *       authorizer); each message is delivered only if the subscriber may read its topic (an
 *       outbound interceptor), retained ones included;</li>
 *   <li>a will the user may not write is removed at CONNECT, so it never fires.</li>
 * </ul>
 */
public final class SecurityExtension implements ExtensionMain {
  private static final Logger LOG = LoggerFactory.getLogger(SecurityExtension.class);
  static final String USER_ATTRIBUTE = "io.virtnet.broker.user";

  private final BrokerSecurity security;

  private SecurityExtension(BrokerSecurity security) {
    this.security = security;
  }

  /** The extension to hand to HiveMQ's embedded builder. */
  public static EmbeddedExtension embedded(BrokerSecurity security) {
    return EmbeddedExtension.builder()
        .withId("virtnet-mosquitto-auth")
        .withName("virtnet: Mosquitto password file and ACL")
        .withVersion("1")
        .withAuthor("virtnet-carrier")
        .withPriority(1000)
        .withStartPriority(1000)
        .withExtensionMain(new SecurityExtension(security))
        .build();
  }

  @Override
  public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
    SimpleAuthenticator authenticator = this::authenticate;
    Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
    Acl acl = security.acl();
    if (acl != null) {
      ConnectInboundInterceptor willFilter = (in, out) -> dropForbiddenWill(acl, in.getConnectPacket(), out);
      Services.interceptorRegistry().setConnectInboundInterceptorProvider(providerInput -> willFilter);
      Services.initializerRegistry().setClientInitializer((in, client) -> enforce(acl, in, client));
    }
    LOG.info("embedded broker: logins from {}{}", security.passwords().file(),
        acl == null ? " (no ACL: every logged-in client may publish and receive anything)" : ", topic ACL from " + acl.file());
  }

  @Override
  public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
    // nothing held
  }

  private void authenticate(SimpleAuthInput in, SimpleAuthOutput out) {
    ConnectPacket connect = in.getConnectPacket();
    Optional<String> user = connect.getUserName();
    String clientId = connect.getClientId();
    if (user.isEmpty()) {
      LOG.info("refused anonymous client '{}'", clientId);
      out.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "anonymous clients are not allowed");
      return;
    }
    byte[] password = connect.getPassword().map(SecurityExtension::bytes).orElse(null);
    if (!security.passwords().authenticate(user.get(), password)) {
      LOG.info("refused client '{}': wrong user name or password (user '{}')", clientId, user.get());
      boolean v5 = connect.getMqttVersion() == MqttVersion.V_5;
      out.failAuthentication(v5 ? ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD : ConnackReasonCode.NOT_AUTHORIZED);
      return;
    }
    in.getConnectionInformation().getConnectionAttributeStore().putAsString(USER_ATTRIBUTE, user.get());
    out.authenticateSuccessfully();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.asReadOnlyBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static void dropForbiddenWill(Acl acl, ConnectPacket connect, ConnectInboundOutput out) {
    connect.getWillPublish().ifPresent(will -> {
      String user = connect.getUserName().orElse(null);
      if (!acl.allows(user, connect.getClientId(), will.getTopic(), Acl.Access.WRITE)) {
        LOG.info("client '{}' (user '{}') may not write its will topic '{}': the will is dropped",
            connect.getClientId(), user, will.getTopic());
        out.getConnectPacket().setWillPublish(null);
      }
    });
  }

  private static void enforce(Acl acl, InitializerInput in, ClientContext client) {
    String clientId = in.getClientInformation().getClientId();
    String user = in.getConnectionInformation().getConnectionAttributeStore().getAsString(USER_ATTRIBUTE).orElse(null);
    boolean v5 = in.getConnectionInformation().getMqttVersion() == MqttVersion.V_5;
    AclInterceptors interceptors = new AclInterceptors(acl.grants(user, clientId), clientId, user, v5);
    client.addPublishInboundInterceptor(interceptors::onInboundPublish);
    client.addPublishOutboundInterceptor(interceptors::onOutboundPublish);
  }
}
