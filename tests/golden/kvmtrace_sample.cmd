decode kvm-trace data/samples/kvm_exit_02.txt
