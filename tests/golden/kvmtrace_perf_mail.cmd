decode kvm-trace data/kvm_trace_perf_mail.txt
