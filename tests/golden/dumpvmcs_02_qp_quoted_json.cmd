decode --json dump-vmcs data/dump_vmcs_02_qp_quoted.txt
