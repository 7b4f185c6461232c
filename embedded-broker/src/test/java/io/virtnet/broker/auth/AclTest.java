package io.virtnet.broker.auth;

import static io.virtnet.broker.auth.Acl.Access.READ;
import static io.virtnet.broker.auth.Acl.Access.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ACL file's meaning as Mosquitto 2's default ACL check gives it (src/security_default.c). */
class AclTest {
  private static final Path FILE = Path.of("acl");

  private static Acl acl(String... lines) {
    return AclParser.parse(FILE, List.of(lines));
  }

  @Test
  void theRepositorysAcl_givesEachServiceItsTopics() {
    Acl acl = Acl.read(repoFile("deploy/mosquitto/acl"));
    assertThat(acl.allows("agent", "vnet-agent-linux0", "vnet/phy/linux0/eth0/event", WRITE)).isTrue();
    assertThat(acl.allows("agent", "vnet-agent-linux0", "vnet/virtio/virtio-net0/device", WRITE)).isFalse();
    assertThat(acl.allows("agent", "vnet-agent-linux0", "vnet/phy/linux0/eth0/cmd", READ)).isTrue();
    assertThat(acl.allows("agent", "vnet-agent-linux0", "vnet/phy/linux0/eth0/cmd", WRITE)).isFalse();
    assertThat(acl.allows("backend", "b", "vnet/virtio/virtio-net0/device", WRITE)).isTrue();
    assertThat(acl.allows("frontend", "f", "vnet/phy/linux0/eth0/event", READ)).isFalse();
    assertThat(acl.allows("observer", "o", "$SYS/broker/version", READ)).isTrue();
    assertThat(acl.allows("observer", "o", "vnet/phy/linux0/eth0/cmd", WRITE)).isFalse();
    assertThat(acl.allows("injector", "i", "vnet/virtio/virtio-net0/device", WRITE)).isTrue();
    assertThat(acl.allows(null, "anon", "vnet/phy/linux0/eth0/state", READ)).as("no anonymous section").isFalse();
    assertThat(acl.allows("mallory", "m", "vnet/phy/linux0/eth0/state", READ)).as("a user not in the file").isFalse();
  }

  private static Path repoFile(String relative) {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !dir.resolve(relative).toFile().exists()) {
      dir = dir.getParent();
    }
    assertThat(dir).as(relative + " above the working directory").isNotNull();
    return dir.resolve(relative);
  }

  @Test
  void readAndWrite_areSeparateGrants_andReadwriteBoth() {
    Acl acl = acl("user u", "topic read r/#", "topic write w/+", "topic readwrite rw", "topic both");
    assertThat(acl.allows("u", "c", "r/x/y", READ)).isTrue();
    assertThat(acl.allows("u", "c", "r/x/y", WRITE)).isFalse();
    assertThat(acl.allows("u", "c", "r", READ)).as("r/# covers r").isTrue();
    assertThat(acl.allows("u", "c", "w/x", WRITE)).isTrue();
    assertThat(acl.allows("u", "c", "w/x/y", WRITE)).as("+ is one level").isFalse();
    assertThat(acl.allows("u", "c", "w/x", READ)).isFalse();
    assertThat(acl.allows("u", "c", "rw", READ)).isTrue();
    assertThat(acl.allows("u", "c", "rw", WRITE)).isTrue();
    assertThat(acl.allows("u", "c", "both", WRITE)).as("no access word: readwrite").isTrue();
  }

  @Test
  void anonymousSection_isTheLinesBeforeTheFirstUser_andSectionsMerge() {
    Acl acl = acl("topic read public/#", "user a", "topic read a/1", "user b", "topic read b/1", "user a", "topic read a/2");
    assertThat(acl.allows(null, "c", "public/x", READ)).isTrue();
    assertThat(acl.allows("a", "c", "public/x", READ)).as("anonymous lines are not everyone's").isFalse();
    assertThat(acl.allows("a", "c", "a/1", READ)).isTrue();
    assertThat(acl.allows("a", "c", "a/2", READ)).as("a second 'user a' adds to the first").isTrue();
    assertThat(acl.allows("a", "c", "b/1", READ)).isFalse();
  }

  @Test
  void patterns_applyToEveryone_withUserAndClientIdSubstituted() {
    Acl acl = acl("pattern readwrite users/%u/#", "pattern write clients/%c", "user a", "topic read x");
    assertThat(acl.allows("a", "c1", "users/a/inbox", WRITE)).isTrue();
    assertThat(acl.allows("a", "c1", "users/b/inbox", READ)).isFalse();
    assertThat(acl.allows("a", "c1", "clients/c1", WRITE)).isTrue();
    assertThat(acl.allows("zed", "c2", "users/zed/x", READ)).as("a user without a section").isTrue();
    assertThat(acl.allows(null, "c3", "clients/c3", WRITE)).as("%c for anonymous").isTrue();
    assertThat(acl.allows(null, "c3", "users/%u/x", READ)).as("%u lines skip anonymous clients").isFalse();
    assertThat(acl.allows("a+", "c1", "users/a+/x", READ)).as("a wildcard in the user name").isFalse();
    assertThat(acl.allows("a", "c#", "x", READ)).as("the user's own lines come before that check").isTrue();
    assertThat(acl.allows("a", "c#", "clients/c#", WRITE)).isFalse();
  }

  @Test
  void deny_winsOverGrantsInItsList_butAUsersGrantBeatsADenyPattern() {
    Acl acl = acl("pattern deny secret/%u", "user a", "topic readwrite vnet/#", "topic deny vnet/private/#",
        "topic readwrite secret/a");
    assertThat(acl.allows("a", "c", "vnet/x", WRITE)).isTrue();
    assertThat(acl.allows("a", "c", "vnet/private/x", READ)).isFalse();
    assertThat(acl.allows("a", "c", "secret/a", READ)).isTrue();
    assertThat(acl.allows("b", "c", "secret/b", READ)).isFalse();
  }

  @Test
  void dollarTopics_needADollarFilter_andSysIsNeverWritten() {
    Acl acl = acl("user a", "topic readwrite #", "topic readwrite $SYS/#", "topic readwrite $share/#");
    assertThat(acl.allows("a", "c", "$SYS/broker/version", READ)).isTrue();
    assertThat(acl.allows("a", "c", "$SYS/broker/version", WRITE)).isFalse();
    assertThat(acl.allows("a", "c", "$share/g/t", WRITE)).isFalse();
    Acl noDollar = acl("user a", "topic readwrite #");
    assertThat(noDollar.allows("a", "c", "$SYS/broker/version", READ)).as("# does not match $ topics").isFalse();
    assertThat(noDollar.allows("a", "c", "anything/at/all", WRITE)).isTrue();
  }

  @Test
  void filters_matchAsMosquittoDoes() {
    assertThat(TopicMatch.matches("a/+/c", "a/b/c")).isTrue();
    assertThat(TopicMatch.matches("a/+", "a/")).as("an empty level").isTrue();
    assertThat(TopicMatch.matches("a/+/#", "a/b")).isTrue();
    assertThat(TopicMatch.matches("+/#", "a")).isTrue();
    assertThat(TopicMatch.matches("#", "a/b/c")).isTrue();
    assertThat(TopicMatch.matches("a/b", "a/b/c")).isFalse();
    assertThat(TopicMatch.matches("a/b/c", "a/b")).isFalse();
    assertThat(TopicMatch.matches("+", "/a")).isFalse();
  }

  @Test
  void spacesAndComments_asMosquittoReadsThem() {
    Acl acl = acl("# comment", "", "   ", "user  spaced name ", "  topic   read   a topic with spaces  ");
    assertThat(acl.allows("spaced name", "c", "a topic with spaces", READ)).isTrue();
  }

  @Test
  void badLines_areErrorsNamingFileAndLine() {
    assertThatThrownBy(() -> acl("user a", "topic reed x")).isInstanceOf(AuthFileException.class)
        .hasMessage("acl:2: unknown access 'reed' (expected read, write, readwrite or deny)");
    assertThatThrownBy(() -> acl("user a", "topic read a/b#")).hasMessageStartingWith("acl:2: invalid topic filter 'a/b#'");
    assertThatThrownBy(() -> acl("user a", "topic read #/a")).hasMessageStartingWith("acl:2: invalid topic filter '#/a'");
    assertThatThrownBy(() -> acl("user a", "topic read")).hasMessage("acl:2: missing topic filter after 'topic read'");
    assertThatThrownBy(() -> acl("topic")).hasMessage("acl:1: missing topic filter after 'topic'");
    assertThatThrownBy(() -> acl("user")).hasMessage("acl:1: missing user name after 'user'");
    assertThatThrownBy(() -> acl("users a")).hasMessage("acl:1: unknown keyword 'users' (expected user, topic or pattern)");
    assertThatThrownBy(() -> acl("user a", "  # indented")).hasMessageStartingWith("acl:2: a comment must start in the first column");
    assertThatThrownBy(() -> acl("user a", "topic\tread x")).hasMessageStartingWith("acl:2: a tab");
  }
}
