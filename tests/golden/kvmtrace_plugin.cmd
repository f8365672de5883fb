decode kvm-trace data/kvm_trace_plugin.txt
