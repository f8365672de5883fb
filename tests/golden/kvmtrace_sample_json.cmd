decode kvm-trace --json data/samples/kvm_exit_02.txt
