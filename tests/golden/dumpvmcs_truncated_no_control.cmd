decode dump-vmcs data/dump_truncated_no_control.txt
