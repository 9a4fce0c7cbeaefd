// Tail stealing in the shared GEMM driver and the team (private to gemm.c and helpers.c).
//
// In the last K block of a column piece, the thread that owns the piece claims its rows
// in shrinking blocks from the top; a thread with no piece left may take the lower half
// of the rows not yet claimed, computing them from its own packed op(A) and the owner's
// packed op(B) slice (read only; the owner waits for its thieves before it moves on).
// Row pieces likewise, by columns of each row block: the owner's packed op(A) block and
// the thief's own packed op(B). In the team, a thread done with its rows takes the far
// half of another's open rows, packing their op(A) itself against the team's op(B).
// Each C block still gets every K block, in order, through the same micro-kernel, so
// the bits are those of one thread.
//
//     range word: next << 32 | limit     owner: next += block;  thief: limit = mid
#ifndef BP_GEMM_STEAL_H
#define BP_GEMM_STEAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/// Pieces of one product that can be stolen from (later pieces are not).
#define BP_STEAL_MAX 16

struct bp_gemm_steal {
    _Alignas(64) _Atomic int state;   // 0 not yet in its last K block, 1 open to thieves, 2 closed
    _Atomic int thieves;              // threads looking at the piece
    _Atomic uint64_t range;           // next << 32 | limit: rows (column pieces, team) or columns
    const void *packed;               // the owner's packed op(B) slice (column pieces) or op(A)
                                      // block (row pieces); unused by the team
    ptrdiff_t kc, pc;                 // the K block
    ptrdiff_t start, extent;          // the owner's first column and count (column pieces) or
                                      // first row and count (row pieces); the team: first row
    int beta;
    _Atomic ptrdiff_t stolen;         // blocks thieves took from this piece
};

// Adds the blocks stolen from `count` pieces to the calling thread's count
// (bp_gemm_thread_steal_count): called by the thread that started the product, after it.
void bp_gemm_note_steals(const struct bp_gemm_steal *steal, ptrdiff_t count);

#endif
