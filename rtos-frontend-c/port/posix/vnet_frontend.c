/* vnet-frontend: serves one RTOS CPU like the Java rtos-frontend, on the portable core and Paho C. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vnet_broker_uri.h"
#include "vnet_port_paho.h"

static volatile sig_atomic_t stop;
static vnet_node node; /* static: a node is a few KiB, as it would be on the RTOS */

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void on_carrier(void *user, const char *instance, bool on, uint32_t generation) {
  (void)user;
  printf("vnet-frontend: cpu %u: %s carrier %s (generation %lu)\n", (unsigned)node.cpu, instance, on ? "on" : "off",
      (unsigned long)generation);
}

static void on_rejected(void *user, const char *topic, vnet_err reason) {
  (void)user;
  fprintf(stderr, "vnet-frontend: rejected a message on %s: %s (total %lu)\n", topic, vnet_err_name(reason),
      (unsigned long)node.rejected_total);
}

static void on_probed(void *user, const char *instance, bool probed, uint64_t negotiated) {
  (void)user;
  printf("vnet-frontend: cpu %u: %s %s (negotiated 0x%llx)\n", (unsigned)node.cpu, probed ? "probed" : "removed",
      instance, (unsigned long long)negotiated);
}

static int usage(const char *msg) {
  fprintf(stderr,
      "vnet-frontend: %s\n"
      "usage: vnet-frontend --broker tcp://HOST:PORT --cpu N [--username U] [--features LIST]\n"
      "                     [--prefix vnet] [--client-id ID] [--tls] [--ca-file PEM] [--tls-insecure]\n"
      "  --broker: tcp:// or mqtt://, or over TLS ssl://, tls:// or mqtts:// (port 1883, over TLS 8883)\n"
      "  --tls: TLS to a tcp:// broker (implied by --ca-file); --ca-file (or --cafile): the CAs to trust,\n"
      "    else the system trust store; the broker's certificate must name the host connected to\n"
      "  --tls-insecure: skip the host name check, as the Java services' flag (the chain is still verified; warns)\n"
      "  the password comes from the environment variable VNET_MQTT_PASSWORD\n"
      "  --features: comma-separated, e.g. STATUS,CTRL_VQ,GUEST_ANNOUNCE,MTU,MAC,SPEED_DUPLEX,VERSION_1 (all, the default)\n",
      msg);
  return 2;
}

int main(int argc, char **argv) {
  const char *broker = "tcp://127.0.0.1:1883", *cpu_arg = NULL, *prefix = "vnet";
  vnet_paho_options opt = {0};
  uint64_t features = VNET_F_ALL;
  char client_id[64];
  bool tls = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage("serves one RTOS CPU");
      return 0;
    }
    if (strcmp(a, "--tls") == 0) {
      tls = true;
      continue;
    }
    if (strcmp(a, "--tls-insecure") == 0) {
      opt.tls_insecure = true;
      continue;
    }
    if (v == NULL) {
      return usage("a flag without its value");
    }
    if (strcmp(a, "--broker") == 0) {
      broker = v;
    } else if (strcmp(a, "--cpu") == 0) {
      cpu_arg = v;
    } else if (strcmp(a, "--username") == 0) {
      opt.username = v;
    } else if (strcmp(a, "--prefix") == 0) {
      prefix = v;
    } else if (strcmp(a, "--ca-file") == 0 || strcmp(a, "--cafile") == 0) {
      opt.ca_file = v;
    } else if (strcmp(a, "--client-id") == 0) {
      opt.client_id = v;
    } else if (strcmp(a, "--features") == 0) {
      if (!vnet_features_parse_list(v, &features)) {
        return usage("unknown feature in --features");
      }
    } else {
      return usage("unknown flag");
    }
    i++;
  }
  char *end = NULL;
  long cpu = cpu_arg ? strtol(cpu_arg, &end, 10) : -1;
  if (!cpu_arg || *end != '\0' || cpu < 0 || cpu > 4095) {
    return usage("--cpu must be 0..4095");
  }
  if (opt.client_id == NULL) {
    snprintf(client_id, sizeof client_id, "vnet-frontend-c-%ld", cpu);
    opt.client_id = client_id;
  }
  vnet_broker_uri uri;
  char err[700], paho_uri[VNET_BROKER_HOST_MAX + 16];
  if (!vnet_broker_uri_parse(broker, &uri, err, sizeof err)) {
    return usage(err);
  }
  if (opt.ca_file != NULL && access(opt.ca_file, R_OK) != 0) {
    snprintf(err, sizeof err, "--ca-file %s is not readable", opt.ca_file);
    return usage(err);
  }
  uri.tls = uri.tls || tls || opt.ca_file != NULL; /* a port left to the default becomes 8883 */
  vnet_broker_uri_format(&uri, paho_uri, sizeof paho_uri);
  opt.broker = paho_uri;
  opt.host = uri.host;
  opt.tls = uri.tls;
  opt.tls_insecure = opt.tls_insecure && uri.tls; /* as the Java services: meaningless in the clear */
  opt.password = opt.username ? getenv("VNET_MQTT_PASSWORD") : NULL; /* alone, brokers refuse it (MQTT 3.1.1 §3.1.2.9) */
  vnet_ops ops = {0};
  vnet_paho_ops(&ops);
  ops.carrier = on_carrier;
  ops.rejected = on_rejected;
  ops.probed = on_probed;
  if (!vnet_node_init(&node, prefix, (uint16_t)cpu, features, &ops, vnet_paho_user())) {
    return usage("bad --prefix");
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (opt.tls_insecure) {
    fprintf(stderr, "vnet-frontend: WARN --tls-insecure: the broker's host name is NOT verified (its certificate must "
        "still chain to a trusted CA): any certificate that CA signed is accepted, for any host. Use only to test; "
        "connect by a name the broker's certificate carries instead.\n");
  }
  printf("vnet-frontend: cpu %ld, broker %s (%s%s%s)\n", cpu, paho_uri,
      !opt.tls ? "no TLS" : "TLS, trusting ",
      opt.tls ? (opt.ca_file ? opt.ca_file : "the system trust store") : "",
      !opt.tls ? "" : opt.tls_insecure ? "; host name NOT verified: --tls-insecure" : "; host name verified");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc = vnet_paho_run(&node, &opt, &stop);
  printf("vnet-frontend: stopped; rejected messages: %lu\n", (unsigned long)node.rejected_total);
  return rc;
}
