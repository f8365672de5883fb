decode --json dump-vmcs data/dump_kvm6_msr_autoload.txt
