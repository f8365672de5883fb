decode kvm-trace data/kvm_trace_noevents.txt
