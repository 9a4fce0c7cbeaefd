#include "CBackpropKernels.h"

_Thread_local int32_t bp_tls_no_grad_depth = 0;
