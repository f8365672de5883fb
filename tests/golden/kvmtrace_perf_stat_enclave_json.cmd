decode kvm-trace --json data/kvm_trace_perf_stat_enclave.txt
