decode dump-vmcs data/samples/dump_vmcs_02.txt
