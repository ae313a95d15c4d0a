/*
 * libFuzzer harness for src/answer.c, the one reader of replies.
 *
 * The input is a DNS reply.  It is read as the answer to its own
 * question (so that it fits), for the type of that question, with
 * recursion asked or not (bit 0 of the ID), and, when it asks to go on
 * (an alias leaving the reply), once more as the next reply of the same
 * chain.  Then every record goes through the decoder of its type.
 * Asserted: a failure keeps no records; the chain is bounded and never
 * repeats a name; every record is owned by the end of the chain and is
 * of the type asked; additional addresses are in bailiwick unless from a
 * recursive server; names read back are well formed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"
#include "mxq/answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
decode_all(const struct answer_rr *rr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct wire_name name;
		struct answer_soa soa;
		struct answer_tlsa tlsa;
		uint8_t bytes[16];
		uint16_t pref;
		int fam;

		if (answer_mx(&rr[i], &pref, &name) == MXQ_OK)
			fz_check_name_shape("mx exchange", &name);
		if (answer_name(&rr[i], &name) == MXQ_OK)
			fz_check_name_shape("rdata name", &name);
		if (answer_addr(&rr[i], &fam, bytes) == MXQ_OK)
			FZ_ASSERT(fam == 4 || fam == 6, "family %d", fam);
		if (answer_soa(&rr[i], &soa) == MXQ_OK) {
			fz_check_name_shape("soa mname", &soa.mname);
			fz_check_name_shape("soa rname", &soa.rname);
		}
		if (answer_tlsa(&rr[i], &tlsa) == MXQ_OK)
			FZ_ASSERT(tlsa.len > 0 && tlsa.len + 3 == rr[i].len,
			    "tlsa length");
	}
}

static void
check(const struct answer *a, const struct answer_question *q)
{
	const struct wire_name *origin = q->origin != NULL ? q->origin :
	    &q->name;
	size_t i, k;
	int recursive = q->rd && (a->flags & WIRE_FLAG_RA) &&
	    !(a->flags & WIRE_FLAG_AA);

	if (a->status != MXQ_OK)
		FZ_ASSERT(a->nrr == 0 && a->nextra == 0,
		    "a failure keeps records");
	FZ_ASSERT(a->nchain <= ANSWER_MAX_CHAIN, "chain of %zu", a->nchain);
	for (i = 0; i < a->nchain; i++) {
		fz_check_name_shape("chain", &a->chain[i]);
		FZ_ASSERT(!wire_name_equal(&a->chain[i], origin),
		    "chain goes back to its start");
		for (k = 0; k < i; k++)
			FZ_ASSERT(!wire_name_equal(&a->chain[i], &a->chain[k]),
			    "chain repeats a name");
	}
	if (a->nchain > 0)
		FZ_ASSERT(wire_name_equal(&a->target,
		    &a->chain[a->nchain - 1]), "target is not the chain's end");
	for (i = 0; i < a->nrr; i++) {
		struct wire_name owner;

		answer_owner(&a->rr[i], &owner);
		fz_check_name_shape("owner", &owner);
		FZ_ASSERT(a->rr[i].type == q->type, "record of another type");
		FZ_ASSERT(wire_name_equal(&owner, &a->target),
		    "record not owned by the end of the chain");
	}
	for (i = 0; i < a->nextra; i++) {
		struct wire_name owner;

		answer_owner(&a->extra[i], &owner);
		FZ_ASSERT(a->extra[i].type == WIRE_TYPE_A ||
		    a->extra[i].type == WIRE_TYPE_AAAA, "extra of type %u",
		    a->extra[i].type);
		FZ_ASSERT(a->extra[i].len == (a->extra[i].type == WIRE_TYPE_A ?
		    4 : 16), "extra address of the wrong length");
		FZ_ASSERT(recursive || wire_name_is_under(&owner, &a->target),
		    "extra out of bailiwick");
	}
	if (a->follow)
		FZ_ASSERT(a->status == MXQ_OK && a->nrr == 0 && a->nchain > 0,
		    "follow without a chain");
	if (a->ede_text != NULL)
		fz_check_safe("ede", a->ede_text, strlen(a->ede_text), "");
	decode_all(a->rr, a->nrr);
	decode_all(a->extra, a->nextra);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answer_question q;
	struct wire_head h;
	struct answer a, b;

	if (wire_read_head(data, size, &h) != MXQ_OK || h.qdcount != 1)
		return 0;
	memset(&q, 0, sizeof(q));
	q.name = h.qname;
	q.type = h.qtype;
	q.rd = h.id & 1;
	if (answer_read(data, size, &q, NULL, &a) != MXQ_OK)
		return 0;
	check(&a, &q);
	if (a.follow) {
		/* The same bytes as the next reply: a loop must be seen. */
		struct answer_question next = q;

		next.name = a.target;
		next.origin = &q.name;
		if (answer_read(data, size, &next, &a, &b) == MXQ_OK) {
			check(&b, &next);
			FZ_ASSERT(b.nchain >= a.nchain, "the chain shrank");
			answer_clear(&b);
		}
	}
	answer_clear(&a);
	return 0;
}
