decode --json dump-vmcs data/dump_kvm518_entry_fail_intr12.txt
