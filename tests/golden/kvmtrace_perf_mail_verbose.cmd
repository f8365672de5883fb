decode kvm-trace --verbose data/kvm_trace_perf_mail.txt
