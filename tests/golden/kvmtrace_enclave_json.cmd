decode kvm-trace --json --verbose data/kvm_trace_enclave.txt
