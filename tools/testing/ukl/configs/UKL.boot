# sched.c spins 25 s, longer than the soft lockup (20 s) and RCU stall
# (21 s) timeouts: neither may fire.
UKL_TEST_SPIN=25
