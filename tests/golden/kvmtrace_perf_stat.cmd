decode kvm-trace data/samples/perf_kvm_stat_01.txt
