/* A tiny unit-test harness: TEST(name) defines a case, CHECK(expr) records a
 * failure with file and line; main() runs every case and prints one TAP-like
 * line per case ("ok NAME" / "not ok NAME: why"), which tests/run.sh counts. */
#ifndef BAREMU_CHECK_H
#define BAREMU_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*fn)(void);
    struct test_case *next;
};

static struct test_case *test_cases_head, **test_cases_tail = &test_cases_head;
static int test_current_failed;
static char test_current_why[512];

#define TEST(name)                                                          \
    static void test_##name(void);                                          \
    static struct test_case test_case_##name = {#name, test_##name, NULL};  \
    __attribute__((constructor)) static void test_register_##name(void)     \
    {                                                                       \
        *test_cases_tail = &test_case_##name;                               \
        test_cases_tail = &test_case_##name.next;                           \
    }                                                                       \
    static void test_##name(void)

#define CHECK(expr)                                                              \
    do {                                                                         \
        if (!(expr) && !test_current_failed) {                                   \
            test_current_failed = 1;                                             \
            snprintf(test_current_why, sizeof(test_current_why), "%s:%d: %s",  \
                     __FILE__, __LINE__, #expr);                                 \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                       \
    do {                                                                         \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);          \
        if (check_a_ != check_b_ && !test_current_failed) {                      \
            test_current_failed = 1;                                             \
            snprintf(test_current_why, sizeof(test_current_why),                 \
                     "%s:%d: %s == %s (%lld != %lld)", __FILE__, __LINE__, #a, #b, \
                     check_a_, check_b_);                                        \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *check_a_ = (a), *check_b_ = (b);                             \
        if ((!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) &&            \
            !test_current_failed) {                                              \
            test_current_failed = 1;                                             \
            snprintf(test_current_why, sizeof(test_current_why),                 \
                     "%s:%d: %s == \"%s\" (got \"%s\")", __FILE__, __LINE__, #a,  \
                     check_b_ ? check_b_ : "(null)", check_a_ ? check_a_ : "(null)"); \
        }                                                                        \
    } while (0)

int main(int argc, char **argv)
{
    int failed = 0, passed = 0;
    for (struct test_case *t = test_cases_head; t; t = t->next) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        test_current_failed = 0;
        t->fn();
        if (test_current_failed) {
            printf("not ok %s: %s\n", t->name, test_current_why);
            failed++;
        } else {
            printf("ok %s\n", t->name);
            passed++;
        }
        fflush(stdout);
    }
    return failed ? 1 : 0;
}

#endif
