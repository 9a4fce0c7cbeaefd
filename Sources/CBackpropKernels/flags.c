#include "CBackpropKernels.h"

__attribute__((tls_model("initial-exec"))) _Thread_local int32_t bp_tls_no_grad_depth = 0;

__attribute__((tls_model("initial-exec"))) _Thread_local void *bp_tls_anomaly_recorder = 0;

__attribute__((tls_model("initial-exec"))) _Thread_local void *bp_tls_tracer = 0;

__attribute__((tls_model("initial-exec"))) _Thread_local int32_t bp_tls_recording_mode = 0;

__attribute__((tls_model("initial-exec"))) _Thread_local int32_t bp_tls_helpers_off = 0;
