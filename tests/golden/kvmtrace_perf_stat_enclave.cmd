decode kvm-trace data/kvm_trace_perf_stat_enclave.txt
