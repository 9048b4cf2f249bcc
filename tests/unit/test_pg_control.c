/* test_pg_control.c - the pure parts of control from SQL (pg_control.h): the commands a control
 * message's content names, and the pause point as pg_offset.h's model sees it: the offset stored
 * at a pause message, written and read back, makes a resumed stream skip exactly what came up to
 * and including that message (so it is not acted on again) and send everything after it, for a
 * non-transactional message between transactions and a transactional one inside its transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_control.h"
#include "connectors/postgres/pg_offset.h"

static void parse_commands(void **state) {
    (void)state;
    assert_int_equal(pg_control_parse("pause", 5), PG_CTL_PAUSE);
    assert_int_equal(pg_control_parse("resume", 6), PG_CTL_RESUME);
    assert_int_equal(pg_control_parse("skip-transaction", 16), PG_CTL_SKIP_TXN);
    assert_int_equal(pg_control_parse(" PAUSE\n", 7), PG_CTL_PAUSE);
    assert_int_equal(pg_control_parse("Skip-Transaction", 16), PG_CTL_SKIP_TXN);
    /* the length counts, not a NUL: content may hold anything */
    assert_int_equal(pg_control_parse("pauses", 5), PG_CTL_PAUSE);
    assert_int_equal(pg_control_parse("pauses", 6), PG_CTL_UNKNOWN);
    assert_int_equal(pg_control_parse("paus", 4), PG_CTL_UNKNOWN);
    assert_int_equal(pg_control_parse("", 0), PG_CTL_UNKNOWN);
    assert_int_equal(pg_control_parse(NULL, 0), PG_CTL_UNKNOWN);
    assert_int_equal(pg_control_parse("skip", 4), PG_CTL_UNKNOWN);
    assert_string_equal(pg_control_name(PG_CTL_SKIP_TXN), "skip-transaction");
}

/* The offset as stored: formatted and read back. */
static pg_pos_t stored(const pg_pos_t *p) {
    char *json = pg_pos_format(p, NULL);
    pg_pos_t out;
    char err[256];
    assert_int_equal(pg_pos_parse(json, &out, err, sizeof(err)), 0);
    free(json);
    return out;
}

/* Stream: T1 (changes at 100, 110; commit ends 130), pause message at 130 (right where T1's
 * commit record ends), T2 (change at 140, commit ends 160), message at 170. */
static void pause_between_transactions(void **state) {
    (void)state;
    pg_pos_t p = {0};
    pg_pos_begin(&p, 1, 90, 0);
    pg_pos_record(&p, PG_MSG_INSERT, 100);
    pg_pos_record(&p, PG_MSG_INSERT, 110);
    pg_pos_commit(&p, 130);
    pg_pos_message(&p, 130); /* the pause message: the pause point */
    pg_pos_t at = stored(&p);
    assert_int_equal(pg_pos_flush_lsn(&at), 130);

    pg_resume_t rs;
    pg_resume_start(&rs, &at);
    assert_int_equal(pg_resume_start_lsn(&rs), 130);
    /* the server sends the pause message again (it is at the start LSN): covered, not acted on */
    pg_pos_t q = at;
    pg_pos_message(&q, 130);
    assert_true(pg_resume_skips(&rs, &q));
    /* T2 after it is sent, whole */
    assert_false(pg_resume_begin(&rs, 150));
    pg_pos_begin(&q, 2, 135, 0);
    pg_pos_record(&q, PG_MSG_INSERT, 140);
    assert_false(pg_resume_skips(&rs, &q));
    pg_pos_commit(&q, 160);
    pg_resume_commit(&rs, 160);
    pg_pos_message(&q, 170);
    assert_false(pg_resume_skips(&rs, &q));
}

/* Stream: T1 with changes at 100 and 120 and a transactional pause message at 110 between them
 * (commit ends 150; the previous commit ended at 50). The pause point is T1 up to its message. */
static void pause_inside_a_transaction(void **state) {
    (void)state;
    pg_pos_t p = {0};
    pg_pos_commit(&p, 50);
    pg_pos_begin(&p, 7, 60, 0);
    pg_pos_record(&p, PG_MSG_INSERT, 100);
    pg_pos_record(&p, PG_MSG_MESSAGE, 110);
    pg_pos_t at = stored(&p);
    assert_int_equal(pg_pos_flush_lsn(&at), 50); /* T1 is not released: it is sent again */

    pg_resume_t rs;
    pg_resume_start(&rs, &at);
    assert_int_equal(pg_resume_start_lsn(&rs), 50);
    assert_false(pg_resume_begin(&rs, 140));
    pg_pos_t q = at;
    pg_pos_begin(&q, 7, 60, 0);
    pg_pos_record(&q, PG_MSG_INSERT, 100);
    assert_true(pg_resume_skips(&rs, &q));  /* emitted before the pause */
    pg_pos_record(&q, PG_MSG_MESSAGE, 110);
    assert_true(pg_resume_skips(&rs, &q));  /* the pause message: not acted on again */
    pg_pos_record(&q, PG_MSG_INSERT, 120);
    assert_false(pg_resume_skips(&rs, &q)); /* after the pause: sent now */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_commands),
        cmocka_unit_test(pause_between_transactions),
        cmocka_unit_test(pause_inside_a_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
