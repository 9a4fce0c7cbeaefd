// Tail stealing in the shared GEMM driver (private to gemm.c and helpers.c).
//
// In the last K block of a column piece, the thread that owns the piece claims its rows
// in shrinking blocks from the top; a thread with no piece left may take the lower half
// of the rows not yet claimed, computing them from its own packed op(A) and the owner's
// packed op(B) slice (read only; the owner waits for its thieves before it moves on).
// Each C block still gets every K block, in order, through the same micro-kernel, so
// the bits are those of one thread.
//
//     rows word: next row << 32 | row limit     owner: next += block;  thief: limit = mid
#ifndef BP_GEMM_STEAL_H
#define BP_GEMM_STEAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/// Pieces of one product that can be stolen from (later pieces are not).
#define BP_STEAL_MAX 16

struct bp_gemm_steal {
    _Alignas(64) _Atomic int state;   // 0 not yet in its last K block, 1 claiming rows, 2 done
    _Atomic int thieves;              // threads looking at the piece
    _Atomic uint64_t rows;            // next << 32 | limit
    const void *packB;                // the owner's packed op(B) slice of the last K block
    ptrdiff_t kc, pc, j0, nc;
    int beta;
};

#endif
