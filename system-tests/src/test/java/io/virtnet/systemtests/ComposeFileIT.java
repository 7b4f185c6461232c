package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.virtnet.systemtests.support.ComposeFile;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.RepoLayout;
import io.virtnet.systemtests.support.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docker-compose.yml and deploy/compose.tls.yml against what they refer to: each service's flags
 * against its jar's picocli options (its --help), mounted files against deploy/, variables against
 * .env.example, users against the ACL, ports against the configs, jar paths against the Dockerfile.
 * Nothing here needs a Docker engine.
 */
@Timeout(120)
class ComposeFileIT {
  private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]*)");
  private static final Pattern VARIABLE = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
  private static final Map<String, Set<String>> OPTIONS = new ConcurrentHashMap<>();

  private static final String[] FILES = {"docker-compose.yml", "deploy/compose.tls.yml"};

  /** The long options a module's fat jar accepts, from its {@code --help}. */
  private static Set<String> optionsOf(String module) {
    return OPTIONS.computeIfAbsent(module, m -> {
      Path jar = RepoLayout.requireJar(m);
      ServiceProcess help = ServiceProcess.java(m + "-help", jar, List.of("--help"), Map.of());
      assertThat(help.waitFor(Duration.ofSeconds(30))).as(m + " --help exit code\n" + help.tail()).isZero();
      Set<String> options = new TreeSet<>();
      Matcher matcher = OPTION.matcher(help.output());
      while (matcher.find()) {
        options.add(matcher.group(1));
      }
      assertThat(options).as(m + " --help lists options").contains("--broker", "--help");
      return options;
    });
  }

  private static Stream<Map.Entry<String, Map<String, Object>>> builtServices(ComposeFile compose) {
    ComposeFile base = ComposeFile.load("docker-compose.yml");
    // an override file names no build; its services are the base file's
    return compose.services().entrySet().stream()
        .filter(e -> ComposeFile.module(base.service(e.getKey())).isPresent());
  }

  private static String moduleOf(String service) {
    return ComposeFile.module(ComposeFile.load("docker-compose.yml").service(service)).orElseThrow();
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-compose.yml", "deploy/compose.tls.yml"})
  void everyServiceFlag_isAnOptionOfItsJar(String file) {
    ComposeFile compose = ComposeFile.load(file);
    builtServices(compose).forEach(e -> {
      List<String> command = ComposeFile.list(e.getValue(), "command");
      assertThat(command).as(file + ": " + e.getKey() + " has a command").isNotEmpty();
      Set<String> options = optionsOf(moduleOf(e.getKey()));
      command.stream().filter(t -> t.startsWith("--")).map(t -> t.split("=", 2)[0])
          .forEach(flag -> assertThat(options).as(file + ": " + e.getKey() + " flag " + flag).contains(flag));
      // the password comes from the environment, never from the command line
      assertThat(command).as(file + ": " + e.getKey()).doesNotContain("--password");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-compose.yml", "deploy/compose.tls.yml"})
  void everyMountedFile_existsInDeploy_andIsReadOnly(String file) {
    Set<String> madeByMakeCerts = Set.of("ca.crt", "broker.crt", "broker.key");
    ComposeFile.load(file).services().forEach((name, service) -> {
      for (String volume : ComposeFile.list(service, "volumes")) {
        String[] parts = volume.split(":");
        assertThat(parts).as(file + ": " + name + " volume " + volume).hasSize(3);
        assertThat(parts[0]).as(file + ": " + name + " mounts from deploy/").startsWith("./deploy/");
        assertThat(parts[2]).as(file + ": " + name + " mounts " + volume + " read-only").isEqualTo("ro");
        Path source = RepoLayout.file(parts[0].substring(2));
        if (parts[0].startsWith("./deploy/tls/certs/")) {
          // generated, not committed: make-certs.sh must write it
          assertThat(madeByMakeCerts).as(volume).contains(source.getFileName().toString());
        } else {
          assertThat(source).as(file + ": " + name + " mounts " + parts[0]).isRegularFile();
        }
      }
    });
  }

  @Test
  void everyVariable_isDefinedInEnvExample() {
    Map<String, String> example = EnvFile.read(RepoLayout.file(".env.example"));
    for (String file : FILES) {
      Matcher m = VARIABLE.matcher(ComposeFile.load(file).text());
      while (m.find()) {
        assertThat(example).as(file + " uses ${" + m.group(1) + "}").containsKey(m.group(1));
      }
    }
    assertThat(example.get("COMPOSE_PROFILES")).isEqualTo("sim");
  }

  @Test
  void eachServiceUser_isAnAclUser_withItsOwnPassword() throws IOException {
    Set<String> aclUsers = new TreeSet<>();
    for (String line : Files.readAllLines(RepoLayout.file("deploy/mosquitto/acl"))) {
      if (line.startsWith("user ")) {
        aclUsers.add(line.substring(5).strip());
      }
    }
    assertThat(aclUsers).containsExactlyInAnyOrderElementsOf(EnvFile.mqttPasswords().keySet());
    assertThat(EnvFile.mqttPasswords().values()).allSatisfy(p -> assertThat(p).isNotBlank());

    ComposeFile compose = ComposeFile.load("docker-compose.yml");
    for (String file : FILES) {
      builtServices(ComposeFile.load(file)).forEach(e -> {
        String user = ComposeFile.flag(ComposeFile.list(e.getValue(), "command"), "--username").orElseThrow();
        assertThat(aclUsers).as(file + ": " + e.getKey() + " --username").contains(user);
        // the password variable is the base file's (an override inherits it)
        String password = ComposeFile.environment(compose.service(e.getKey())).get("VNET_MQTT_PASSWORD");
        assertThat(password).as(e.getKey() + " VNET_MQTT_PASSWORD")
            .startsWith("${" + EnvFile.passwordVariable(user) + ":");
      });
    }
    // the broker gets every password gen-passwd.sh reads
    Map<String, String> brokerEnv = ComposeFile.environment(compose.service("broker"));
    Matcher m = Pattern.compile("\\$\\{(VNET_[A-Z]+_PASSWORD)")
        .matcher(Files.readString(RepoLayout.file("deploy/mosquitto/gen-passwd.sh")));
    int n = 0;
    while (m.find()) {
      n++;
      assertThat(brokerEnv.get(m.group(1))).as("broker env " + m.group(1)).startsWith("${" + m.group(1));
    }
    assertThat(n).isEqualTo(aclUsers.size());
  }

  @Test
  void broker_generatesItsPasswordFileIntoATmpfs_andMountsItsConfig() throws IOException {
    Map<String, Object> broker = ComposeFile.load("docker-compose.yml").service("broker");
    assertThat(broker.get("image")).isEqualTo("eclipse-mosquitto:2");
    assertThat(ComposeFile.list(broker, "entrypoint")).containsExactly("/bin/sh", "/vnet/mosquitto/gen-passwd.sh");
    String conf = Files.readString(RepoLayout.file("deploy/mosquitto/mosquitto.conf"));
    assertThat(conf).contains("allow_anonymous false", "persistence false", "\nlistener 1883\n");
    // without it Mosquitto holds each small packet for the previous one's delayed ACK: ~26 ms per link change
    assertThat(conf).contains("\nset_tcp_nodelay true\n");
    Path passwd = Path.of(directive(conf, "password_file"));
    assertThat(ComposeFile.list(broker, "tmpfs")).contains(passwd.getParent().toString());
    assertThat(ComposeFile.environment(broker).get("VNET_PASSWD_FILE")).isEqualTo(passwd.toString());
    List<String> volumes = ComposeFile.list(broker, "volumes");
    assertThat(volumes).contains("./deploy/mosquitto/acl:" + directive(conf, "acl_file") + ":ro",
        "./deploy/mosquitto/mosquitto.conf:" + ComposeFile.list(broker, "command").get(2) + ":ro");
    assertThat(ComposeFile.list(broker, "ports")).singleElement().asString().endsWith(":1883");

    String tls = Files.readString(RepoLayout.file("deploy/mosquitto/tls/mosquitto-tls.conf"));
    assertThat(tls).contains("allow_anonymous false", "\nlistener 8883\n", "\nset_tcp_nodelay true\n")
        .doesNotContain("listener 1883");
    assertThat(directive(tls, "password_file")).isEqualTo(passwd.toString());
    assertThat(directive(tls, "acl_file")).isEqualTo(directive(conf, "acl_file"));
    List<String> tlsVolumes = ComposeFile.list(ComposeFile.load("deploy/compose.tls.yml").service("broker"), "volumes");
    for (String d : List.of("cafile", "certfile", "keyfile")) {
      assertThat(tlsVolumes).as(d).anyMatch(v -> v.endsWith(":" + directive(tls, d) + ":ro"));
    }
  }

  private static String directive(String conf, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\s+(\\S+)\\s*$").matcher(conf);
    assertThat(m.find()).as(name).isTrue();
    return m.group(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-compose.yml", "deploy/compose.tls.yml"})
  void brokerAddresses_andConfigPaths_matchTheStack(String file) {
    ComposeFile base = ComposeFile.load("docker-compose.yml");
    builtServices(ComposeFile.load(file)).forEach(e -> {
      List<String> command = ComposeFile.list(e.getValue(), "command");
      String broker = ComposeFile.flag(command, "--broker").orElseThrow();
      boolean hostNetwork = "host".equals(base.service(e.getKey()).get("network_mode"));
      boolean tls = file.contains("tls");
      String expected = hostNetwork
          ? (tls ? "ssl://localhost:${VNET_MQTTS_PORT:-8883}" : "tcp://127.0.0.1:${VNET_MQTT_PORT:-1883}")
          : (tls ? "ssl://broker:8883" : "tcp://broker:1883");
      assertThat(broker).as(file + ": " + e.getKey() + " --broker").isEqualTo(expected);
      // mounted where the flags say
      List<String> volumes = Stream.concat(ComposeFile.list(base.service(e.getKey()), "volumes").stream(),
          ComposeFile.list(e.getValue(), "volumes").stream()).toList();
      for (String pathFlag : List.of("--config", "--ca-file")) {
        ComposeFile.flag(command, pathFlag).ifPresent(p -> assertThat(volumes)
            .as(file + ": " + e.getKey() + " " + pathFlag + " " + p + " is mounted").anyMatch(v -> v.contains(":" + p + ":")));
      }
      assertThat(ComposeFile.flag(command, "--config")).hasValue("/etc/virtnet/stack.yaml");
      if (tls) {
        assertThat(ComposeFile.flag(command, "--ca-file")).as(file + ": " + e.getKey()).hasValue("/vnet/tls/ca.crt");
      }
    });
  }

  @Test
  void backendHttp_isPublished_healthChecked_andListensOnAllInterfacesInItsContainer() throws IOException {
    Map<String, Object> backend = ComposeFile.load("docker-compose.yml").service("virtnet-backend");
    String port = ComposeFile.flag(ComposeFile.list(backend, "command"), "--http-port").orElseThrow();
    assertThat(ComposeFile.list(backend, "ports")).singleElement().asString().endsWith(":" + port);
    Map<?, ?> health = (Map<?, ?>) backend.get("healthcheck");
    assertThat(String.join(" ", ComposeFile.list(castMap(health), "test")))
        .contains("curl", "http://127.0.0.1:" + port + "/health");
    assertThat(Files.readString(RepoLayout.file("Dockerfile"))).contains("install -y --no-install-recommends curl");

    JsonNode stack = new ObjectMapper(new YAMLFactory()).readTree(RepoLayout.file("deploy/stack.yaml").toFile());
    assertThat(stack.at("/backend/http/host").asText()).isEqualTo("0.0.0.0");
    // apart from the HTTP host, the stack is the default one
    JsonNode defaults = new ObjectMapper(new YAMLFactory())
        .readTree(RepoLayout.file("vnet-runtime/src/main/resources/virtnet-default.yaml").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) stack.at("/backend/http")).put("host", defaults.at("/backend/http/host").asText());
    assertThat(stack).isEqualTo(defaults);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  @Test
  void frontendCpus_areTheCpusTheBackendRoutesTo() throws IOException {
    String cpus = ComposeFile.flag(ComposeFile.list(ComposeFile.load("docker-compose.yml").service("rtos-frontend"),
        "command"), "--cpus").orElseThrow();
    JsonNode stack = new ObjectMapper(new YAMLFactory()).readTree(RepoLayout.file("deploy/stack.yaml").toFile());
    Set<String> routed = new TreeSet<>();
    stack.at("/backend/instances").forEach(i -> routed.add(i.get("cpu").asText()));
    assertThat(new TreeSet<>(List.of(cpus.split(",")))).isEqualTo(routed).containsExactly("2", "3");
  }

  @Test
  void everyService_restartsUnlessStopped_andWaitsForAHealthyBroker() {
    ComposeFile.load("docker-compose.yml").services().forEach((name, service) -> {
      assertThat(service.get("restart")).as(name + " restart").isEqualTo("unless-stopped");
      if (!name.equals("broker")) {
        assertThat(String.valueOf(service.get("depends_on"))).as(name + " depends_on").contains("broker={condition=service_healthy}");
      }
    });
    assertThat(ComposeFile.load("docker-compose.yml").service("broker")).containsKey("healthcheck");
  }

  @Test
  void simAgent_isTheDefaultProfile_andTheNetlinkVariantUsesTheHostNetwork() {
    ComposeFile compose = ComposeFile.load("docker-compose.yml");
    Map<String, Object> sim = compose.service("phy-agent");
    Map<String, Object> netlink = compose.service("phy-agent-netlink");
    assertThat(ComposeFile.list(sim, "profiles")).containsExactly("sim");
    assertThat(ComposeFile.flag(ComposeFile.list(sim, "command"), "--phy-source")).hasValue("sim");
    assertThat(ComposeFile.list(netlink, "profiles")).containsExactly("netlink");
    assertThat(netlink.get("network_mode")).isEqualTo("host");
    assertThat(ComposeFile.flag(ComposeFile.list(netlink, "command"), "--phy-source")).hasValue("netlink");
    // watching links needs no capability: NET_ADMIN stays a commented option
    assertThat(netlink).doesNotContainKey("cap_add");
    assertThat(compose.text()).contains("#   cap_add: [NET_ADMIN]");
  }

  @Test
  void dockerfile_copiesTheJarsTheModulesBuild() throws IOException {
    String dockerfile = Files.readString(RepoLayout.file("Dockerfile"));
    assertThat(dockerfile).contains("FROM maven:3-eclipse-temurin-17 AS build", "FROM eclipse-temurin:17-jre",
        "mvn -B -q package -DskipTests", "ARG SERVICE", "USER 10001:10001",
        "COPY --from=build /src/${SERVICE}/target/${SERVICE}.jar /opt/virtnet/service.jar");
    String parent = Files.readString(RepoLayout.file("pom.xml"));
    ComposeFile.load("docker-compose.yml").services().values().stream().map(ComposeFile::module)
        .flatMap(java.util.Optional::stream).distinct().forEach(module -> {
          assertThat(parent).as("parent pom builds " + module).contains("<module>" + module + "</module>");
          try {
            assertThat(Files.readString(RepoLayout.file(module + "/pom.xml"))).as(module + " shades to its jar")
                .contains("<outputFile>${project.build.directory}/" + module + ".jar</outputFile>");
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          assertThat(RepoLayout.requireJar(module)).isRegularFile();
        });
    assertThat(Files.readString(RepoLayout.file(".dockerignore"))).contains("**/target/", ".env");
    assertThat(Files.readString(RepoLayout.file(".gitignore"))).containsPattern("(?m)^\\.env$");
  }
}
