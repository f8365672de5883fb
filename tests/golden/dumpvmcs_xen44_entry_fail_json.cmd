decode --json dump-vmcs data/dump_xen44_entry_fail.txt
