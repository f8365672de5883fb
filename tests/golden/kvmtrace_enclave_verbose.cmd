decode kvm-trace --verbose data/kvm_trace_enclave.txt
