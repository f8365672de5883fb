decode --json dump-vmcs data/samples/dump_vmcs_06.txt
