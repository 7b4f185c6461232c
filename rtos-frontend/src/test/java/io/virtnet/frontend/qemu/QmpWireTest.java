package io.virtnet.frontend.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class QmpWireTest {
  @Test
  void command_isOneJsonLine_taggedWithItsId() {
    String line = QmpWire.command(7, "set_link", new JsonObject().put("name", "nic0").put("up", false));

    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    assertThat(new JsonObject(line.trim())).isEqualTo(new JsonObject()
        .put("execute", "set_link").put("arguments", new JsonObject().put("name", "nic0").put("up", false)).put("id", 7));
    assertThat(new JsonObject(QmpWire.command(1, "qmp_capabilities", null).trim()).containsKey("arguments")).isFalse();
  }

  @Test
  void lines_areClassified() {
    assertThat(QmpWire.parse("  ")).isNull();
    assertThat(QmpWire.parse("{\"QMP\":{\"version\":{\"qemu\":{\"major\":8,\"minor\":2,\"micro\":1}}}}"))
        .isInstanceOfSatisfying(QmpWire.Greeting.class, g -> assertThat(QmpWire.version(g.message())).isEqualTo("8.2.1"));
    assertThat(QmpWire.parse("{\"event\":\"NIC_RX_FILTER_CHANGED\",\"data\":{}}"))
        .isEqualTo(new QmpWire.Event("NIC_RX_FILTER_CHANGED"));
    assertThat(QmpWire.parse("{\"return\":{},\"id\":3}")).isEqualTo(new QmpWire.Reply(3L, new JsonObject(), null));
    assertThat(QmpWire.parse("{\"return\":[1]}"))
        .isEqualTo(new QmpWire.Reply(null, new JsonObject().put("return", new io.vertx.core.json.JsonArray().add(1)), null));
    assertThat(QmpWire.parse("{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"no nic9\"},\"id\":4}"))
        .isEqualTo(new QmpWire.Reply(4L, null, new QmpWire.Error("DeviceNotFound", "no nic9")));
    assertThat(QmpWire.parse("{\"hello\":1}")).isEqualTo(new QmpWire.Unknown("{\"hello\":1}", true));
    assertThat(QmpWire.parse("not json")).isEqualTo(new QmpWire.Unknown("not json", false));
    assertThat(((QmpWire.Unknown) QmpWire.parse("x".repeat(500))).text()).hasSize(201);
  }

  @Test
  void version_isNullWhenTheGreetingDoesNotSayIt() {
    assertThat(QmpWire.version(null)).isNull();
    assertThat(QmpWire.version(new JsonObject().put("QMP", new JsonObject()))).isNull();
  }
}
