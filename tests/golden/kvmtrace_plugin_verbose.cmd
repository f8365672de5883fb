decode kvm-trace --verbose data/kvm_trace_plugin.txt
