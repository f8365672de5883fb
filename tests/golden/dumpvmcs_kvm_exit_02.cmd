decode dump-vmcs data/samples/kvm_exit_02.txt
