# sched.c spins 25 s, longer than the soft lockup (20 s) and RCU stall
# (21 s) timeouts: neither may fire.
UKL_TEST_SPIN=25
# The main kernel is randomized (configs/MAIN): core.c checks that it was,
# unless the command line says nokaslr.
UKL_TEST_KASLR=1
