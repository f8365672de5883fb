decode kvm-trace data/kvm_trace_enclave.txt
