# sched.c spins 25 s, longer than the soft lockup (20 s) and RCU stall
# (21 s) timeouts: neither may fire (as in UKL.boot).
UKL_TEST_SPIN=25
