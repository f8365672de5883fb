decode dump-vmcs data/samples/perf_kvm_stat_01.txt
