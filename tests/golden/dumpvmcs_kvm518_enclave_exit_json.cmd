decode --json dump-vmcs data/dump_kvm518_enclave_exit.txt
