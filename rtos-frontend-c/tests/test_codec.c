/* The core's codecs: config bytes, JSON strictness, irq (both forms), device, ctrl, names, instants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vnet_json.h"

static vnet_json doc;

#define S(x) (const uint8_t *)(x), strlen(x)
#define N(x) (x), strlen(x)

static void config_decodesEveryFieldAtItsOffset(void **state) {
  (void)state;
  const uint8_t wire[28] = {7, 0, 0, 0x80, /* generation 0x80000007 */
      0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x03, 0x00, 0x01, 0x00, 0xdc, 0x05, 0xe8, 0x03, 0x00, 0x00, 0x01, 0x28,
      0x80, 0x00, 0x3f, 0x00, 0x00, 0x00};
  uint32_t gen;
  vnet_config c;
  assert_int_equal(vnet_config_decode(wire, sizeof wire, &gen, &c), VNET_OK);
  assert_int_equal(gen, 0x80000007u);
  assert_memory_equal(c.mac, "\x52\x54\x00\x12\x34\x56", 6);
  assert_int_equal(c.status, 3);
  assert_int_equal(c.max_virtqueue_pairs, 1);
  assert_int_equal(c.mtu, 1500);
  assert_int_equal(c.speed, 1000);
  assert_int_equal(c.duplex, 1);
  assert_int_equal(c.rss_max_key_size, 40);
  assert_int_equal(c.rss_max_indirection_table_length, 128);
  assert_int_equal(c.supported_hash_types, 63);
  assert_int_equal(vnet_config_decode(wire, 27, &gen, &c), VNET_E_WRONG_SIZE);
  assert_int_equal(vnet_config_decode(wire, 4, &gen, &c), VNET_E_WRONG_SIZE);
}

static void generations_compareAsSerialNumbers(void **state) {
  (void)state;
  assert_true(vnet_gen_at_or_after(8, 7));
  assert_true(vnet_gen_at_or_after(7, 7));
  assert_false(vnet_gen_at_or_after(6, 7));
  assert_true(vnet_gen_at_or_after(2, 0xFFFFFFFEu)); /* wrapped */
  assert_false(vnet_gen_at_or_after(0xFFFFFFFEu, 2));
}

static void json_refusesWhatJacksonRefuses(void **state) {
  (void)state;
  const char *bad[] = {"", "{", "{\"a\":1,}", "{\"a\":01}", "{\"a\":NaN}", "{'a':1}", "{\"a\":1}}", "[{\"a\":1}]",
      "{\"a\":1 \"b\":2}", "{\"a\" 1}", "{\"a\":\"x\ty\"}", "{\"a\":\"\\x\"}", "{\"a\":1.}", "{\"a\":-}",
      "{\"a\":.5}", "{\"a\":tru}", "{\"a\":1}/*c*/", "{\"a\":+1}", "{\"a\":[1,]}", "{,}", "{\"a\":\"\\u12g4\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vnet_err e = vnet_json_parse(&doc, S(bad[i]));
    if (e == VNET_OK) {
      fail_msg("accepted %s", bad[i]);
    }
  }
  assert_int_equal(vnet_json_parse(&doc, S("")), VNET_E_EMPTY);
  assert_int_equal(vnet_json_parse(&doc, S("{\"a\":1}x")), VNET_E_MALFORMED_JSON);
  const char *good[] = {"{}", " {\"a\" : [1, -0, 2.5e-3, true, false, null, {\"b\":\"\\u00e9\\n\"}]} \n",
      "{\"a\":\"caf\xc3\xa9\"}", "{\"v\":1}", "{\"v\":null}"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    assert_int_equal(vnet_json_parse(&doc, S(good[i])), VNET_OK);
  }
}

static void json_checksUtf8SizeAndVersion(void **state) {
  (void)state;
  assert_int_equal(vnet_json_parse(&doc, S("{\"a\":\"eth\xc3\x28\"}")), VNET_E_BAD_UTF8);
  assert_int_equal(vnet_json_parse(&doc, S("{\"a\":\"\xed\xa0\x80\"}")), VNET_E_BAD_UTF8); /* a surrogate */
  assert_int_equal(vnet_json_parse(&doc, S("{\"a\":\"\xc0\xaf\"}")), VNET_E_BAD_UTF8);     /* overlong */
  static uint8_t big[VNET_MAX_PAYLOAD + 1];
  memset(big, ' ', sizeof big);
  big[0] = '{';
  big[sizeof big - 1] = '}';
  assert_int_equal(vnet_json_parse(&doc, big, sizeof big), VNET_E_OVERSIZE);
  big[VNET_MAX_PAYLOAD - 1] = '}';
  assert_int_equal(vnet_json_parse(&doc, big, VNET_MAX_PAYLOAD), VNET_OK);
  const char *versions[] = {"{\"v\":2}", "{\"v\":0}", "{\"v\":\"1\"}", "{\"v\":1.0}", "{\"v\":1.5}", "{\"v\":[1]}"};
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    assert_int_equal(vnet_json_parse(&doc, S(versions[i])), VNET_E_SCHEMA_VERSION);
  }
}

static void json_fieldsAreTypedAndRanged(void **state) {
  (void)state;
  int64_t v;
  bool b;
  char s[8];
  size_t len;
  assert_int_equal(vnet_json_parse(&doc, S("{\"i\":42,\"f\":1.0,\"e\":1e2,\"big\":99999999999999999999,\"s\":\"x\","
                                           "\"n\":null,\"b\":true,\"i\":43,\"\\u0069x\":7}")), VNET_OK);
  assert_int_equal(vnet_json_int(&doc, 0, "i", 0, 100, &v), VNET_OK);
  assert_int_equal(v, 43); /* the last of a repeated key, as Jackson's tree */
  assert_int_equal(vnet_json_int(&doc, 0, "ix", 0, 100, &v), VNET_OK); /* escaped key */
  assert_int_equal(vnet_json_int(&doc, 0, "i", 0, 10, &v), VNET_E_OUT_OF_RANGE);
  assert_int_equal(vnet_json_int(&doc, 0, "f", 0, 10, &v), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_int(&doc, 0, "e", 0, 1000, &v), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_int(&doc, 0, "big", 0, 10, &v), VNET_E_WRONG_TYPE);
  /* the int64 edges: a long for Jackson inside them, a BigInteger (wrong type) past them */
  assert_int_equal(vnet_json_parse(&doc, S("{\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                                           "\"over\":9223372036854775808,\"under\":-9223372036854775809}")), VNET_OK);
  assert_int_equal(vnet_json_int(&doc, 0, "max", INT64_MIN, INT64_MAX, &v), VNET_OK);
  assert_true(v == INT64_MAX);
  assert_int_equal(vnet_json_int(&doc, 0, "min", INT64_MIN, INT64_MAX, &v), VNET_OK);
  assert_true(v == INT64_MIN);
  assert_int_equal(vnet_json_int(&doc, 0, "over", INT64_MIN, INT64_MAX, &v), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_int(&doc, 0, "under", INT64_MIN, INT64_MAX, &v), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_parse(&doc, S("{\"i\":42,\"f\":1.0,\"e\":1e2,\"big\":99999999999999999999,"
                                           "\"s\":\"x\",\"n\":null,\"b\":true,\"i\":43,\"\\u0069x\":7}")), VNET_OK);
  assert_int_equal(vnet_json_int(&doc, 0, "s", 0, 10, &v), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_int(&doc, 0, "n", 0, 10, &v), VNET_E_MISSING_FIELD);
  assert_int_equal(vnet_json_int(&doc, 0, "zz", 0, 10, &v), VNET_E_MISSING_FIELD);
  assert_int_equal(vnet_json_bool(&doc, 0, "b", &b), VNET_OK);
  assert_true(b);
  assert_int_equal(vnet_json_bool(&doc, 0, "i", &b), VNET_E_WRONG_TYPE);
  assert_int_equal(vnet_json_string(&doc, 0, "s", s, sizeof s, &len), VNET_OK);
  assert_string_equal(s, "x");
}

static void json_tooManyTokensIsRefused(void **state) {
  (void)state;
  static char big[2 * VNET_JSON_MAX_TOKENS + 16];
  size_t n = 0;
  n += (size_t)sprintf(big, "{\"pad\":[");
  for (int i = 0; i < VNET_JSON_MAX_TOKENS; i++) {
    n += (size_t)sprintf(big + n, i ? ",1" : "1");
  }
  n += (size_t)sprintf(big + n, "]}");
  assert_int_equal(vnet_json_parse_max(&doc, (const uint8_t *)big, n, sizeof big), VNET_E_TOO_COMPLEX);
}

static void names_followTheContract(void **state) {
  (void)state;
  assert_true(vnet_instance_name_valid(N("virtio-net0")));
  assert_true(vnet_instance_name_valid(N("0.a_b-c")));
  assert_false(vnet_instance_name_valid(N("Linux0")));
  assert_false(vnet_instance_name_valid(N("-agent")));
  assert_false(vnet_instance_name_valid(N("")));
  assert_false(vnet_instance_name_valid(N("node:1")));
  char long_name[65];
  memset(long_name, 'a', 64);
  long_name[64] = 0;
  assert_false(vnet_instance_name_valid(long_name, 64));
  assert_true(vnet_instance_name_valid(long_name, 63));
  assert_true(vnet_ifname_valid(N("eth0")));
  assert_true(vnet_ifname_valid(N("\xce\xb4" "eth"))); /* non-ASCII letters are fine */
  assert_true(vnet_ifname_valid(N("abcdefghijklmno")));
  const char *bad[] = {"abcdefghijklmnop", ".", "..", "eth0:1", "eth 0", "eth/0", "eth+", "eth#", "eth\xef\xbf\xbd",
      "eth\xe2\x80\x80", "eth\xc2\x85", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "ethernet-\xce\xb4\xce\xb4\xce\xb4\xce\xb4"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (vnet_ifname_valid(N(bad[i]))) {
      fail_msg("accepted ifname %s", bad[i]);
    }
  }
}

static void instants_parseAsJavaAndFormatAsInstantToString(void **state) {
  (void)state;
  vnet_instant t;
  char out[40];
  assert_true(vnet_instant_parse(N("2026-01-01T00:00:00Z"), &t));
  assert_int_equal(t.sec, 1767225600);
  assert_true(vnet_instant_parse(N("2026-01-01T00:00:00.1Z"), &t));
  assert_int_equal(t.nsec, 100000000);
  vnet_instant_format(out, sizeof out, t);
  assert_string_equal(out, "2026-01-01T00:00:00.100Z");
  assert_true(vnet_instant_parse(N("2026-01-01T00:00:00+01:00"), &t));
  assert_int_equal(t.sec, 1767225600 - 3600);
  assert_true(vnet_instant_parse(N("2026-01-01T24:00:00Z"), &t));
  assert_int_equal(t.sec, 1767225600 + 86400);
  assert_true(vnet_instant_parse(N("2026-01-01T23:59:60Z"), &t));
  assert_true(vnet_instant_parse(N("2024-02-29t00:00:00.Z"), &t));
  const char *bad[] = {"2026-02-29T00:00:00Z", "2026-01-01T00:00Z", "2026-01-01T12:59:60Z", "2026-01-01T00:00:00+01",
      "2026-01-01T00:00:00.1234567891Z", "12026-01-01T00:00:00Z", "2026-01-01T00:00:00+19:00", "yesterday"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (vnet_instant_parse(N(bad[i]), &t)) {
      fail_msg("accepted instant %s", bad[i]);
    }
  }
  t.sec = 1767225600;
  t.nsec = 123456000;
  vnet_instant_format(out, sizeof out, t);
  assert_string_equal(out, "2026-01-01T00:00:00.123456Z");
  t.nsec = 0;
  vnet_instant_format(out, sizeof out, t);
  assert_string_equal(out, "2026-01-01T00:00:00Z");
}

static void irq_singleAndListFormsDecode(void **state) {
  (void)state;
  int count;
  vnet_irq irq;
  assert_int_equal(vnet_irq_decode(&doc, S("{\"irq\":42,\"instance\":\"virtio-net0\",\"isr\":2,\"generation\":7,"
                                           "\"ts\":\"2026-01-01T00:00:00Z\"}"), &count), VNET_OK);
  assert_int_equal(count, 1);
  assert_int_equal(vnet_irq_get(&doc, 0, &irq), VNET_OK);
  assert_int_equal(irq.irq, 42);
  assert_string_equal(irq.instance, "virtio-net0");
  assert_int_equal(irq.generation, 7);
  assert_false(irq.has_phy_ts);
  assert_int_equal(vnet_irq_decode(&doc, S("{\"v\":1,\"irqs\":[{\"irq\":42,\"instance\":\"a\",\"isr\":2,"
      "\"generation\":4294967295,\"phyTs\":\"2026-01-01T00:00:01Z\"},{\"irq\":43,\"instance\":\"b\",\"isr\":2,"
      "\"generation\":1}],\"ts\":\"2026-01-01T00:00:02Z\"}"), &count), VNET_OK);
  assert_int_equal(count, 2);
  assert_int_equal(vnet_irq_get(&doc, 0, &irq), VNET_OK);
  assert_int_equal(irq.generation, 0xFFFFFFFFu);
  assert_true(irq.has_phy_ts);
  assert_int_equal(irq.phy_ts.sec, 1767225601);
  assert_int_equal(vnet_irq_get(&doc, 1, &irq), VNET_OK);
  assert_string_equal(irq.instance, "b");
  assert_int_equal(irq.irq, 43);
}

static void irq_refusesBadInput(void **state) {
  (void)state;
  int count;
  struct {
    const char *json;
    vnet_err want;
  } cases[] = {
      {"{\"irq\":42,\"isr\":2,\"generation\":7,\"ts\":\"2026-01-01T00:00:00Z\"}", VNET_E_MISSING_FIELD},
      {"{\"irq\":65536,\"instance\":\"a\",\"isr\":2,\"generation\":7,\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_OUT_OF_RANGE},
      {"{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":4294967296,\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_OUT_OF_RANGE},
      {"{\"irq\":1,\"instance\":\"Virtio Net 0\",\"isr\":2,\"generation\":7,\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_INVALID_NAME},
      {"{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":7,\"ts\":\"soon\"}", VNET_E_WRONG_TYPE},
      {"{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":7}", VNET_E_MISSING_FIELD},
      {"{\"v\":2,\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":7,\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_SCHEMA_VERSION},
      {"{\"v\":1,\"irqs\":{},\"ts\":\"2026-01-01T00:00:00Z\"}", VNET_E_WRONG_TYPE},
      {"{\"v\":1,\"irqs\":[1],\"ts\":\"2026-01-01T00:00:00Z\"}", VNET_E_WRONG_TYPE},
      {"{\"v\":1,\"irqs\":[{\"irq\":1,\"instance\":\"a\",\"isr\":2}],\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_MISSING_FIELD},
      {"{\"v\":1,\"irqs\":[{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":1}]}", VNET_E_MISSING_FIELD},
      {"{\"v\":1,\"irqs\":[],\"ts\":\"2026-01-01T00:00:00Z\"}", VNET_E_OUT_OF_RANGE},
      {"{\"irqs\":null,\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":7,\"ts\":\"2026-01-01T00:00:00Z\"}",
          VNET_E_MISSING_FIELD},
      /* the single form checks the name before ts, as IrqCodec */
      {"{\"irq\":1,\"instance\":\"A\",\"isr\":2,\"generation\":7}", VNET_E_INVALID_NAME},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vnet_err e = vnet_irq_decode(&doc, S(cases[i].json), &count);
    if (e != cases[i].want) {
      fail_msg("%s: got %s, want %s", cases[i].json, vnet_err_name(e), vnet_err_name(cases[i].want));
    }
  }
}

static void device_decodesAndChecksNames(void **state) {
  (void)state;
  vnet_device_info d;
  assert_int_equal(vnet_device_decode(&doc, S("{\"instance\":\"virtio-net0\",\"cpu\":7,\"irq\":42,"
      "\"deviceFeatures\":[\"STATUS\",\"CTRL_VQ\",\"GUEST_ANNOUNCE\",\"MAC\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}"),
      &d), VNET_OK);
  assert_string_equal(d.instance, "virtio-net0");
  assert_int_equal(d.cpu, 7);
  assert_int_equal(d.irq, 42);
  assert_int_equal(d.device_features, VNET_F_STATUS | VNET_F_CTRL_VQ | VNET_F_GUEST_ANNOUNCE | VNET_F_MAC);
  assert_string_equal(d.phy, "eth0");
  assert_false(d.has_frontend);
  assert_int_equal(vnet_device_decode(&doc, S("{\"instance\":\"a\",\"cpu\":7,\"irq\":42,\"deviceFeatures\":[],"
      "\"phy\":\"eth0\",\"agent\":\"l\",\"frontend\":{\"kind\":\"qemu\",\"qmp\":\"tcp:host:4444\",\"device\":\"nic0\"}}"),
      &d), VNET_OK);
  assert_true(d.has_frontend);
  struct {
    const char *json;
    vnet_err want;
  } cases[] = {
      {"{\"instance\":\"a\",\"cpu\":4096,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"l\"}",
          VNET_E_OUT_OF_RANGE},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[\"WARP_DRIVE\"],\"phy\":\"eth0\",\"agent\":\"l\"}",
          VNET_E_UNKNOWN_VALUE},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[1],\"phy\":\"eth0\",\"agent\":\"l\"}",
          VNET_E_WRONG_TYPE},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":\"none\",\"phy\":\"eth0\",\"agent\":\"l\"}",
          VNET_E_WRONG_TYPE},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0:1\",\"agent\":\"l\"}",
          VNET_E_INVALID_NAME},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"L\"}",
          VNET_E_INVALID_NAME},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0\"}", VNET_E_MISSING_FIELD},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"l\","
       "\"frontend\":{\"kind\":\"xen\",\"qmp\":\"unix:/x\",\"device\":\"n\"}}", VNET_E_UNKNOWN_VALUE},
      {"{\"instance\":\"a\",\"cpu\":1,\"irq\":42,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"l\","
       "\"frontend\":{\"kind\":\"qemu\",\"qmp\":\"tcp:h:123456\",\"device\":\"n\"}}", VNET_E_OUT_OF_RANGE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vnet_err e = vnet_device_decode(&doc, S(cases[i].json), &d);
    if (e != cases[i].want) {
      fail_msg("%s: got %s, want %s", cases[i].json, vnet_err_name(e), vnet_err_name(cases[i].want));
    }
  }
}

static void ctrl_encodesAsTheJavaCodec(void **state) {
  (void)state;
  char out[128];
  assert_int_equal(vnet_ctrl_encode_features(out, sizeof out, VNET_F_STATUS | VNET_F_MTU | VNET_F_SPEED_DUPLEX),
      (int)strlen("{\"driverFeatures\":[\"MTU\",\"STATUS\",\"SPEED_DUPLEX\"]}"));
  assert_string_equal(out, "{\"driverFeatures\":[\"MTU\",\"STATUS\",\"SPEED_DUPLEX\"]}");
  vnet_ctrl_encode_features(out, sizeof out, 0);
  assert_string_equal(out, "{\"driverFeatures\":[]}");
  assert_int_equal(vnet_ctrl_encode_features(out, 10, VNET_F_ALL), -1);
  vnet_ctrl_encode_announce_ack(out, sizeof out);
  assert_string_equal(out, "{\"class\":3,\"cmd\":0}");
  bool is_features;
  uint64_t f;
  int c, m;
  assert_int_equal(vnet_ctrl_decode(&doc, S("{\"class\":3,\"cmd\":0}"), &is_features, &f, &c, &m), VNET_OK);
  assert_false(is_features);
  assert_int_equal(c, 3);
}

static void features_negotiateAsTheSpec(void **state) {
  (void)state;
  uint64_t f;
  assert_true(vnet_features_parse_list("STATUS,GUEST_ANNOUNCE", &f));
  assert_int_equal(vnet_negotiate(VNET_F_ALL, f), VNET_F_STATUS); /* GUEST_ANNOUNCE needs CTRL_VQ */
  assert_false(vnet_features_parse_list("STATUS,WARP", &f));
  assert_int_equal(vnet_negotiate(VNET_F_STATUS | VNET_F_MAC, VNET_F_ALL), VNET_F_STATUS | VNET_F_MAC);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(config_decodesEveryFieldAtItsOffset),
      cmocka_unit_test(generations_compareAsSerialNumbers),
      cmocka_unit_test(json_refusesWhatJacksonRefuses),
      cmocka_unit_test(json_checksUtf8SizeAndVersion),
      cmocka_unit_test(json_fieldsAreTypedAndRanged),
      cmocka_unit_test(json_tooManyTokensIsRefused),
      cmocka_unit_test(names_followTheContract),
      cmocka_unit_test(instants_parseAsJavaAndFormatAsInstantToString),
      cmocka_unit_test(irq_singleAndListFormsDecode),
      cmocka_unit_test(irq_refusesBadInput),
      cmocka_unit_test(device_decodesAndChecksNames),
      cmocka_unit_test(ctrl_encodesAsTheJavaCodec),
      cmocka_unit_test(features_negotiateAsTheSpec),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
