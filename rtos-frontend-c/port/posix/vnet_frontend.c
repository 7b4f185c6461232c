/* vnet-frontend: serves one RTOS CPU like the Java rtos-frontend, on the portable core and Paho C. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
      "                     [--prefix vnet] [--client-id ID]\n"
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
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage("serves one RTOS CPU");
      return 0;
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
  opt.broker = broker;
  opt.password = getenv("VNET_MQTT_PASSWORD");
  vnet_ops ops = {0};
  vnet_paho_ops(&ops);
  ops.carrier = on_carrier;
  ops.rejected = on_rejected;
  ops.probed = on_probed;
  if (!vnet_node_init(&node, prefix, (uint16_t)cpu, features, &ops, vnet_paho_user())) {
    return usage("bad --prefix");
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int rc = vnet_paho_run(&node, &opt, &stop);
  printf("vnet-frontend: stopped; rejected messages: %lu\n", (unsigned long)node.rejected_total);
  return rc;
}
