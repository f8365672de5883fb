decode kvm-trace --verbose data/samples/kvm_exit_02.txt
