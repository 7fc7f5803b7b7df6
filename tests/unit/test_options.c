/* Unit tests for config/: QEMU option strings and the option list. */
#include "check.h"
#include "config/options.h"
#include "config/qopts.h"

TEST(qopts_implied_key_and_escaped_comma)
{
    struct qopts o;
    char err[256];
    CHECK(qopts_parse(&o, "netdev", "user,id=n0,hostfwd=tcp::5555-:22,dnssearch=a,,b", "type",
                      err, sizeof(err)) == 0);
    CHECK_STR(qopts_get(&o, "type"), "user");
    CHECK_STR(qopts_get(&o, "id"), "n0");
    CHECK_STR(qopts_get(&o, "dnssearch"), "a,b");
    CHECK(qopts_check_unused(&o, err, sizeof(err)) < 0);
    CHECK(strstr(err, "hostfwd") != NULL);
    qopts_free(&o);
}

TEST(qopts_repeated_keys_and_types)
{
    struct qopts o;
    char err[256];
    CHECK(qopts_parse(&o, "netdev", "user,hostfwd=tcp::1-:2,hostfwd=udp::3-:4,restrict=on,x=12k",
                      "type", err, sizeof(err)) == 0);
    int cur = 0;
    CHECK_STR(qopts_next(&o, "hostfwd", &cur), "tcp::1-:2");
    CHECK_STR(qopts_next(&o, "hostfwd", &cur), "udp::3-:4");
    CHECK(qopts_next(&o, "hostfwd", &cur) == NULL);
    bool b = false;
    CHECK(qopts_get_bool(&o, "restrict", false, &b, err, sizeof(err)) == 0 && b);
    uint64_t v = 0;
    CHECK(qopts_get_u64(&o, "x", 0, true, &v, err, sizeof(err)) == 0);
    CHECK_EQ_INT(v, 12 * 1024);
    qopts_free(&o);
}

TEST(qopts_bad_bool_names_key)
{
    struct qopts o;
    char err[256];
    CHECK(qopts_parse(&o, "netdev", "stream,server=maybe", "type", err, sizeof(err)) == 0);
    bool b;
    CHECK(qopts_get_bool(&o, "server", false, &b, err, sizeof(err)) < 0);
    CHECK(strstr(err, "server") && strstr(err, "maybe"));
    qopts_free(&o);
}

TEST(parse_size_units)
{
    uint64_t v;
    CHECK(parse_size("128", 1 << 20, &v) == 0 && v == 128u << 20);
    CHECK(parse_size("1G", 1 << 20, &v) == 0 && v == 1u << 30);
    CHECK(parse_size("512k", 1 << 20, &v) == 0 && v == 512u << 10);
    CHECK(parse_size("12x", 1 << 20, &v) < 0);
    CHECK(parse_size("-1", 1 << 20, &v) < 0);
    CHECK(parse_size("99999999999999999999", 1, &v) < 0);
}

TEST(argv_unknown_and_missing_argument)
{
    struct options o;
    char err[256];
    char *bad[] = {"baremu", "-frobnicate"};
    options_init(&o);
    CHECK(options_parse_argv(&o, 2, bad, 1, err, sizeof(err)) < 0);
    CHECK(strstr(err, "-frobnicate") != NULL);
    options_free(&o);
    char *missing[] = {"baremu", "-m"};
    options_init(&o);
    CHECK(options_parse_argv(&o, 2, missing, 1, err, sizeof(err)) < 0);
    CHECK(strstr(err, "-m") != NULL);
    options_free(&o);
}

TEST(config_text_lines_comments_quotes)
{
    struct options o;
    char err[256];
    options_init(&o);
    const char *cfg = "# a comment\n-m 64M -nographic\n\n-append \"console=ttyS0 quiet\" # trailing\n";
    CHECK(options_parse_text(&o, cfg, "baremu.cfg", err, sizeof(err)) == 0);
    CHECK_STR(options_last(&o, "m"), "64M");
    CHECK(options_flag(&o, "nographic"));
    CHECK_STR(options_last(&o, "append"), "console=ttyS0 quiet");
    CHECK(options_check_used(&o, err, sizeof(err)) == 0);
    options_free(&o);
}

TEST(config_text_single_quotes_keep_double_quotes)
{
    struct options o;
    char err[256];
    options_init(&o);
    const char *cfg = "-append 'console=ttyS0 baremu.cmd=\"a b\"'\n-name \"it's\"\n";
    CHECK(options_parse_text(&o, cfg, "baremu.cfg", err, sizeof(err)) == 0);
    CHECK_STR(options_last(&o, "append"), "console=ttyS0 baremu.cmd=\"a b\"");
    CHECK_STR(options_last(&o, "name"), "it's");
    options_free(&o);
    options_init(&o);
    CHECK(options_parse_text(&o, "-m 64\n-append 'x\n", "b.cfg", err, sizeof(err)) < 0);
    CHECK(strstr(err, "b.cfg:2") && strstr(err, "unterminated quote"));
    options_free(&o);
}

TEST(config_text_error_names_file_and_line)
{
    struct options o;
    char err[256];
    options_init(&o);
    CHECK(options_parse_text(&o, "-m 64\n-bogus 1\n", "baremu.cfg", err, sizeof(err)) < 0);
    CHECK(strstr(err, "baremu.cfg:2") && strstr(err, "-bogus"));
    options_free(&o);
    options_init(&o);
    CHECK(options_parse_text(&o, "-m 64\n\n-append \"x\n", "b.cfg", err, sizeof(err)) < 0);
    CHECK(strstr(err, "b.cfg:3") != NULL);
    options_free(&o);
}

TEST(unused_option_is_reported)
{
    struct options o;
    char err[256];
    char *argv[] = {"baremu", "-m", "64", "-cdrom", "x.iso"};
    options_init(&o);
    CHECK(options_parse_argv(&o, 5, argv, 1, err, sizeof(err)) == 0);
    CHECK_STR(options_last(&o, "m"), "64");
    CHECK(options_check_used(&o, err, sizeof(err)) < 0);
    CHECK(strstr(err, "-cdrom") != NULL);
    options_free(&o);
}
